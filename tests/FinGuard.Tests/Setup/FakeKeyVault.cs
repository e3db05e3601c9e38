using System.Collections.Concurrent;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Security.KeyVault.Secrets;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.Logging;

namespace FinGuard.Tests.Setup;

/// <summary>
/// A loopback Key Vault that implements <c>PUT {vault}/secrets/{name}?api-version=...</c> (Set Secret) with Key Vault's
/// challenge-based authentication: a request without a bearer token is answered 401 with
/// <c>WWW-Authenticate: Bearer authorization="https://login.microsoftonline.com/{tenant}", resource="https://vault.azure.net"</c>,
/// as the service does. It serves TLS for <see cref="VaultUri"/> (<c>https://finguard-test.vault.azure.net/</c>) with a
/// self-signed certificate; <see cref="Client"/> connects that host name to the loopback port and trusts exactly that
/// certificate, so the SDK's check that the challenge's resource matches the vault's domain runs unmodified.
/// </summary>
internal sealed class FakeKeyVault : IAsyncDisposable
{
    public const string Tenant = "72f988bf-0000-0000-0000-000000000000";
    public static readonly Uri VaultUri = new("https://finguard-test.vault.azure.net/");

    private readonly WebApplication app;
    private readonly X509Certificate2 certificate;
    private readonly int port;

    private FakeKeyVault(WebApplication app, X509Certificate2 certificate, int port)
    {
        this.app = app;
        this.certificate = certificate;
        this.port = port;
    }

    /// <summary>Answer authenticated requests 403 (the identity lacks a role that allows setting secrets).</summary>
    public bool Forbid { get; set; }

    /// <summary>Every request, in order.</summary>
    public ConcurrentQueue<Request> Requests { get; } = new();

    /// <summary>Secrets set with a bearer token: name → value.</summary>
    public ConcurrentDictionary<string, Request> Secrets { get; } = new(StringComparer.Ordinal);

    public sealed record Request(string Method, string Path, string? ApiVersion, string? Authorization, string? Value, string? ContentType);

    public static async Task<FakeKeyVault> StartAsync()
    {
        var certificate = CreateCertificate(VaultUri.Host);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, listen => listen.UseHttps(new HttpsConnectionAdapterOptions { ServerCertificate = certificate })));
        var app = builder.Build();
        FakeKeyVault? vault = null;
        app.MapPut("/secrets/{name}", async (HttpContext context, string name) =>
        {
            var authorization = context.Request.Headers.Authorization.ToString();
            string? value = null;
            string? contentType = null;
            if (context.Request.ContentLength is > 0 || context.Request.Headers.TransferEncoding.Count > 0)
            {
                var body = await JsonNode.ParseAsync(context.Request.Body);
                value = (string?)body?["value"];
                contentType = (string?)body?["contentType"];
            }

            var request = new Request("PUT", context.Request.Path, context.Request.Query["api-version"], authorization.Length == 0 ? null : authorization, value, contentType);
            vault!.Requests.Enqueue(request);
            if (!authorization.StartsWith("Bearer ", StringComparison.Ordinal))
            {
                context.Response.Headers.WWWAuthenticate = $"Bearer authorization=\"https://login.microsoftonline.com/{Tenant}\", resource=\"https://vault.azure.net\"";
                context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                await context.Response.WriteAsJsonAsync(new { error = new { code = "Unauthorized", message = "AKV10000: Request is missing a Bearer or PoP token." } });
                return;
            }

            if (vault.Forbid)
            {
                context.Response.StatusCode = StatusCodes.Status403Forbidden;
                await context.Response.WriteAsJsonAsync(new { error = new { code = "Forbidden", message = "Caller is not authorized to perform action on resource." } });
                return;
            }

            vault.Secrets[name] = request;
            var version = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
            await context.Response.WriteAsJsonAsync(new JsonObject
            {
                ["value"] = value,
                ["contentType"] = contentType,
                ["id"] = $"{VaultUri.AbsoluteUri}secrets/{name}/{version}",
                ["attributes"] = new JsonObject { ["enabled"] = true, ["created"] = 1773064800, ["updated"] = 1773064800, ["recoveryLevel"] = "Recoverable+Purgeable", ["recoverableDays"] = 90 },
            });
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        vault = new FakeKeyVault(app, certificate, new Uri(address).Port);
        return vault;
    }

    /// <summary>A <see cref="SecretClient"/> for <see cref="VaultUri"/> that reaches this server, with the given credential.</summary>
    public SecretClient Client(TokenCredential credential)
    {
        var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (_, cancellationToken) =>
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                try
                {
                    await socket.ConnectAsync(IPAddress.Loopback, port, cancellationToken);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
            SslOptions = new SslClientAuthenticationOptions
            {
                RemoteCertificateValidationCallback = (_, presented, _, _) => presented is not null && presented.GetCertHashString() == certificate.GetCertHashString(),
            },
        };
        var options = new SecretClientOptions { Transport = new HttpClientTransport(handler), Retry = { MaxRetries = 0 } };
        return new SecretClient(VaultUri, credential, options);
    }

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
        certificate.Dispose();
    }

    private static X509Certificate2 CreateCertificate(string host)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest($"CN={host}", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName(host);
        request.CertificateExtensions.Add(names.Build());
        var now = TimeProvider.System.GetUtcNow();
        using var created = request.CreateSelfSigned(now.AddMinutes(-5), now.AddDays(1));
        // Kestrel needs the key in a form SslStream can use on Linux: round-trip through PKCS#12.
        return X509CertificateLoader.LoadPkcs12(created.Export(X509ContentType.Pkcs12), null);
    }
}

/// <summary>A credential that hands out a fixed token and records the scopes and tenant it was asked for.</summary>
internal sealed class StubTokenCredential : TokenCredential
{
    public const string Token = "stub-access-token";

    public ConcurrentQueue<TokenRequestContext> Requests { get; } = new();

    public override AccessToken GetToken(TokenRequestContext requestContext, CancellationToken cancellationToken)
    {
        Requests.Enqueue(requestContext);
        return new AccessToken(Token, TimeProvider.System.GetUtcNow().AddHours(1));
    }

    public override ValueTask<AccessToken> GetTokenAsync(TokenRequestContext requestContext, CancellationToken cancellationToken) =>
        ValueTask.FromResult(GetToken(requestContext, cancellationToken));
}
