using System.Diagnostics;
using FinGuard.Tests.Infrastructure;
using Xunit.Abstractions;

namespace FinGuard.Tests.Setup;

/// <summary>
/// The setup page rendered by a real browser (headless Chromium, <c>--dump-dom</c>): its script runs under the page's
/// Content-Security-Policy and leaves a form that posts the manifest to GitHub's "new App" page with the state.
/// Chromium is installed by tests/run.sh; when it is missing the test fails and says so (it never passes silently).
/// </summary>
public sealed class SetupPageChromiumTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string WebBase = "https://github.example.test/";
    private readonly string folder = TempDirectory.Create();
    private FinGuardHost host = null!;

    public async Task InitializeAsync() =>
        host = await FinGuardHost.StartAsync(new Dictionary<string, string?>(FinGuardHost.LocalSettings(folder, secret: null))
        {
            ["GitHub:WebBaseUrl"] = WebBase,
        });

    public async Task DisposeAsync()
    {
        await host.DisposeAsync();
        TempDirectory.Delete(folder);
    }

    [Fact]
    public async Task Chromium_renders_the_form_that_posts_the_manifest_to_the_users_new_app_page()
    {
        var dom = await DumpDomAsync("setup");

        var action = SetupPage.FormAction(dom);
        Assert.StartsWith(WebBase + "settings/apps/new?state=", action, StringComparison.Ordinal);
        // #target is empty in the served HTML; only the page's script fills it, so this proves the script ran under the CSP.
        Assert.Equal(action, SetupPage.Text(dom, "target"));
        var manifest = SetupPage.Manifest(dom);
        Assert.Equal(new Uri(host.BaseAddress, "api/github/webhooks").AbsoluteUri, (string?)manifest["hook_attributes"]!["url"]);
        Assert.Equal(new Uri(host.BaseAddress, "setup/callback").AbsoluteUri, (string?)manifest["redirect_url"]);
        Assert.Contains("pull_request", manifest["default_events"]!.AsArray().Select(e => (string)e!));
        Assert.Contains("id=\"create\"", dom, StringComparison.Ordinal);
        Assert.DoesNotContain("id=\"create\" disabled", dom, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Chromium_points_the_form_at_the_organizations_new_app_page_when_an_organization_is_chosen()
    {
        var dom = await DumpDomAsync("setup?owner=organization&org=acme-bank");

        var action = SetupPage.FormAction(dom);
        Assert.StartsWith(WebBase + "organizations/acme-bank/settings/apps/new?state=", action, StringComparison.Ordinal);
        Assert.Equal(action, SetupPage.Text(dom, "target"));
    }

    private async Task<string> DumpDomAsync(string path)
    {
        var chromium = Chromium.Locate();
        var profile = TempDirectory.Create();
        try
        {
            return await DumpDomAsync(chromium, profile, path);
        }
        finally
        {
            TempDirectory.Delete(profile);
        }
    }

    private async Task<string> DumpDomAsync(string chromium, string profile, string path)
    {
        var start = new ProcessStartInfo(chromium)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[]
                 {
                     "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                     "--disable-component-update", "--disable-sync", "--no-first-run", "--no-default-browser-check",
                     $"--user-data-dir={profile}", "--dump-dom", new Uri(host.BaseAddress, path).AbsoluteUri,
                 })
        {
            start.ArgumentList.Add(argument);
        }

        var stopwatch = Stopwatch.StartNew();
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {chromium}.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{chromium} --dump-dom did not finish within 60 s. stderr:{Environment.NewLine}{await stderr}");
        }

        var dom = await stdout;
        output.WriteLine($"chromium --dump-dom {path}: {stopwatch.Elapsed.TotalSeconds:F1} s, exit {process.ExitCode}");
        Assert.True(process.ExitCode == 0 && dom.Contains("</html>", StringComparison.Ordinal),
            $"{chromium} --dump-dom failed (exit {process.ExitCode}). stderr:{Environment.NewLine}{await stderr}");
        return dom;
    }

    private static class Chromium
    {
        public static string Locate()
        {
            var configured = Environment.GetEnvironmentVariable("FINGUARD_CHROMIUM");
            var candidates = new List<string>();
            if (!string.IsNullOrEmpty(configured))
            {
                candidates.Add(configured);
            }

            candidates.AddRange(["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome", "/usr/bin/google-chrome-stable"]);
            foreach (var directory in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
            {
                candidates.Add(Path.Combine(directory, "chromium"));
            }

            return candidates.FirstOrDefault(File.Exists)
                ?? throw new InvalidOperationException(
                    "Headless Chromium is required for the setup page test and was not found (looked for FINGUARD_CHROMIUM, "
                    + "/usr/bin/chromium, chromium-browser, google-chrome and chromium on PATH). tests/run.sh installs it with "
                    + "'apt-get install -y chromium'; install it the same way (as root) and run the tests again.");
        }
    }
}
