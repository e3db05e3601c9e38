using FinGuard.Hosting;

namespace FinGuard.Functions;

/// <summary>
/// The app's own HTTP endpoints — the very <c>Map*Endpoints</c> calls <c>finguard serve</c> makes
/// (<see cref="FinGuardApp.MapFinGuardEndpoints"/>) — built once in the worker, so an HTTP function hands its
/// request to the endpoint <c>serve</c> would route it to: same parameter binding, same handler, same
/// response. The raw body and headers reach the handler as the Functions host proxied them.
/// </summary>
public sealed class FunctionHttpEndpoints
{
    private readonly IReadOnlyList<RouteEndpoint> endpoints;

    public FunctionHttpEndpoints(IServiceProvider services)
    {
        var routes = new CollectingRouteBuilder(services);
        routes.MapFinGuardEndpoints();
        endpoints = [.. routes.DataSources.SelectMany(d => d.Endpoints).OfType<RouteEndpoint>()];
    }

    /// <summary>Every endpoint as (method, path without the leading slash).</summary>
    public IEnumerable<(string Method, string Path)> Routes =>
        endpoints.SelectMany(e => (e.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? []).Select(m => (m, RouteOf(e))));

    /// <summary>
    /// The endpoint for <paramref name="route"/> (the function's route, e.g. <c>api/github/webhooks</c>) and the
    /// request's method, as the function's result: the worker executes it on the request's <see cref="HttpContext"/>.
    /// A function whose route the app does not serve is a packaging error, and the invocation fails.
    /// </summary>
    public IResult For(HttpRequest request, string route)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(route);
        var endpoint = endpoints.FirstOrDefault(e => string.Equals(RouteOf(e), route.Trim('/'), StringComparison.OrdinalIgnoreCase)
            && (e.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? []).Contains(request.Method, StringComparer.OrdinalIgnoreCase));
        return endpoint?.RequestDelegate is null
            ? throw new InvalidOperationException($"The app serves no {request.Method} /{route.Trim('/')}; the function's route and the app's endpoints disagree.")
            : new EndpointResult(endpoint);
    }

    private sealed class EndpointResult(RouteEndpoint endpoint) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.SetEndpoint(endpoint);
            return endpoint.RequestDelegate!(httpContext);
        }
    }

    private static string RouteOf(RouteEndpoint endpoint) => (endpoint.RoutePattern.RawText ?? "").Trim('/');

    /// <summary>An <see cref="IEndpointRouteBuilder"/> that only collects what is mapped on it.</summary>
    private sealed class CollectingRouteBuilder(IServiceProvider services) : IEndpointRouteBuilder
    {
        public IServiceProvider ServiceProvider { get; } = services;

        public ICollection<EndpointDataSource> DataSources { get; } = [];

        public IApplicationBuilder CreateApplicationBuilder() => new ApplicationBuilder(ServiceProvider);
    }
}
