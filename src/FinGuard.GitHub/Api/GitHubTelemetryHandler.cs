using System.Globalization;
using FinGuard.Telemetry;

namespace FinGuard.GitHub.Api;

/// <summary>
/// Counts every request FinGuard's GitHub clients send (each retry attempt: it sits inside the resilience handler) and
/// keeps the <c>x-ratelimit-remaining</c> GitHub returns, per installation (<see cref="InstallationKey"/>, set by
/// <see cref="GitHubApiClient"/>; requests without it are App-JWT requests, reported as installation <c>app</c>).
/// It reads only the method, the status and the rate-limit headers: never the URL, the Authorization header or a body.
/// </summary>
public sealed class GitHubTelemetryHandler(FinGuardTelemetry telemetry) : DelegatingHandler
{
    /// <summary>The installation a request is made for.</summary>
    public static readonly HttpRequestOptionsKey<long> InstallationKey = new("FinGuard.InstallationId");

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var installation = request.Options.TryGetValue(InstallationKey, out var id) ? id.ToString(CultureInfo.InvariantCulture) : "app";
        HttpResponseMessage response;
        try
        {
            response = await base.SendAsync(request, cancellationToken);
        }
        catch (HttpRequestException)
        {
            telemetry.GitHubRequest(request.Method.Method, null, installation, null, null);
            throw;
        }

        telemetry.GitHubRequest(
            request.Method.Method,
            (int)response.StatusCode,
            installation,
            Header(response, "x-ratelimit-resource"),
            long.TryParse(Header(response, "x-ratelimit-remaining"), NumberStyles.None, CultureInfo.InvariantCulture, out var remaining) ? remaining : null);
        return response;
    }

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? values.FirstOrDefault() : null;
}
