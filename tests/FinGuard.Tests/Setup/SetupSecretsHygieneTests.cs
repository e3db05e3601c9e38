using System.Collections.Concurrent;
using System.Net;
using FinGuard.Hosting;
using FinGuard.Testing.FakeGitHub;
using FinGuard.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;

namespace FinGuard.Tests.Setup;

/// <summary>
/// The setup flow with every log message captured at Trace level: the private key, webhook secret and client secret
/// appear in no log line; and the public URLs come from <c>Setup:PublicUrl</c> / <c>Setup:WebhookUrl</c> when set.
/// </summary>
public sealed class SetupSecretsHygieneTests : IAsyncLifetime
{
    private readonly string folder = TempDirectory.Create();
    private readonly ConcurrentQueue<string> logs = new();
    private FakeGitHubServer github = null!;
    private WebApplication app = null!;
    private Uri baseAddress = null!;

    public async Task InitializeAsync()
    {
        github = await FakeGitHubServer.StartAsync();
        app = FinGuardApp.Build(
            [
                "--urls", "http://127.0.0.1:0",
                $"--Storage:LocalPath={folder}",
                $"--GitHub:ApiBaseUrl={github.BaseAddress}",
                "--GitHub:WebBaseUrl=https://github.example.test/",
                "--Setup:PublicUrl=https://finguard.example.net/",
                "--Setup:WebhookUrl=https://smee.example.net/channel-1",
                "--Logging:LogLevel:Default=Trace",
            ],
            builder => builder.Logging.AddProvider(new CapturingLoggerProvider(logs)));
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        baseAddress = new Uri(address.TrimEnd('/') + "/");
    }

    public async Task DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
        await github.DisposeAsync();
        TempDirectory.Delete(folder);
    }

    [Fact]
    public async Task Completing_setup_logs_no_secret_and_uses_the_configured_public_urls()
    {
        var conversion = new ManifestConversionResponder(github);
        using var browser = new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer(), AllowAutoRedirect = false }) { BaseAddress = baseAddress };

        var page = await browser.GetStringAsync(new Uri("setup", UriKind.Relative));
        var manifest = SetupPage.Manifest(page);
        using var callback = await browser.GetAsync(new Uri($"setup/callback?code={conversion.Code}&state={Uri.EscapeDataString(SetupPage.State(page))}", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, callback.StatusCode);
        Assert.Equal("https://smee.example.net/channel-1", (string?)manifest["hook_attributes"]!["url"]);
        Assert.Equal("https://finguard.example.net/setup/installed", (string?)manifest["setup_url"]);
        Assert.Equal(new Uri(baseAddress, "setup/callback").AbsoluteUri, (string?)manifest["redirect_url"]);

        var lines = logs.ToList();
        Assert.Contains(lines, l => l.Contains("Setup complete: GitHub App 424242", StringComparison.Ordinal));
        var pemBody = conversion.Pem.Split('\n')[1];
        foreach (var secret in new[] { pemBody, conversion.WebhookSecret, conversion.ClientSecret })
        {
            Assert.DoesNotContain(lines, l => l.Contains(secret, StringComparison.Ordinal));
        }
    }

    private sealed class CapturingLoggerProvider(ConcurrentQueue<string> lines) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new Logger(categoryName, lines);

        public void Dispose()
        {
        }

        private sealed class Logger(string category, ConcurrentQueue<string> lines) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull
            {
                lines.Enqueue($"{category} scope: {state}");
                return null;
            }

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                ArgumentNullException.ThrowIfNull(formatter);
                lines.Enqueue($"{category} {logLevel}: {formatter(state, exception)} {state} {exception}");
            }
        }
    }
}
