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
    /// <param name="verifySecret">
    /// Diagnostic: when set, the endpoint also does the work every correct webhook receiver must do before its 202 —
    /// HMAC-SHA256 of the body with this secret compared in constant time with <c>X-Hub-Signature-256</c> (401 when it
    /// differs), and one <see cref="System.Text.Json.JsonDocument"/> parse of the body — but stores nothing.
    /// </param>
    /// <param name="parseJson">With <paramref name="verifySecret"/>: false checks the signature only, not even parsing.</param>
    public static async Task<BareWebhookEndpoint> StartAsync(Action<byte[]>? onReceived = null, string? verifySecret = null, bool parseJson = true)
    {
        var key = verifySecret is null ? null : System.Text.Encoding.UTF8.GetBytes(verifySecret);
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
            if (key is not null)
            {
                var body = buffer.GetBuffer().AsSpan(0, (int)buffer.Length);
                var expected = "sha256=" + Convert.ToHexStringLower(System.Security.Cryptography.HMACSHA256.HashData(key, body));
                var given = context.Request.Headers["X-Hub-Signature-256"].ToString();
                if (!System.Security.Cryptography.CryptographicOperations.FixedTimeEquals(
                    System.Text.Encoding.ASCII.GetBytes(expected), System.Text.Encoding.ASCII.GetBytes(given)))
                {
                    return TypedResults.StatusCode(StatusCodes.Status401Unauthorized);
                }

                if (parseJson)
                {
                    using var document = System.Text.Json.JsonDocument.Parse(buffer.GetBuffer().AsMemory(0, (int)buffer.Length));
                }
            }

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
