using System.Net;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;

namespace FinGuard.Benchmarks.Load;

/// <summary>
/// The baseline: a bare ASP.NET Core endpoint on loopback Kestrel, built the same way as FinGuard's host
/// (<c>WebApplication.CreateSlimBuilder</c>), that reads the whole body and answers 202. No signature check,
/// no JSON, no storage: the ceiling any webhook receiver on this machine can reach.
/// </summary>
public sealed class BareWebhookEndpoint : IAsyncDisposable
{
    private readonly WebApplication app;

    private BareWebhookEndpoint(WebApplication app, Uri baseAddress)
    {
        this.app = app;
        BaseAddress = baseAddress;
    }

    public Uri BaseAddress { get; }

    /// <param name="onReceived">Called with each body after it was read (the end-to-end baseline hands it on); null: nothing.</param>
    public static async Task<BareWebhookEndpoint> StartAsync(Action<byte[]>? onReceived = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Listen(IPAddress.Loopback, 0);
            k.Limits.MaxRequestBodySize = 25L * 1024 * 1024;
        });
        var app = builder.Build();
        app.MapPost("/" + WebhookDelivery.Path, async (HttpContext context) =>
        {
            using var buffer = new MemoryStream(context.Request.ContentLength is { } length and > 0 ? (int)length : 16 * 1024);
            await context.Request.Body.CopyToAsync(buffer, context.RequestAborted);
            onReceived?.Invoke(buffer.ToArray());
            return TypedResults.StatusCode(StatusCodes.Status202Accepted);
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        return new BareWebhookEndpoint(app, new Uri(address.TrimEnd('/') + "/"));
    }

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }
}
