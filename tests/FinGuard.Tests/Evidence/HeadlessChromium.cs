using System.Diagnostics;
using FinGuard.Tests.Infrastructure;

namespace FinGuard.Tests.Evidence;

/// <summary>
/// Renders a page in headless Chromium and returns the DOM after load (<c>--dump-dom</c>). Chromium is installed by
/// tests/run.sh; when it is missing, <see cref="Locate"/> throws with the fix, so a test using it fails rather than
/// passing silently.
/// </summary>
internal static class HeadlessChromium
{
    public static string Locate()
    {
        var candidates = new List<string>();
        if (Environment.GetEnvironmentVariable("FINGUARD_CHROMIUM") is { Length: > 0 } configured)
        {
            candidates.Add(configured);
        }

        candidates.AddRange(["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome", "/usr/bin/google-chrome-stable"]);
        candidates.AddRange((Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries).Select(d => Path.Combine(d, "chromium")));
        return candidates.FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException(
                "Headless Chromium is required to render the evidence report (report.html) and was not found (looked for FINGUARD_CHROMIUM, "
                + "/usr/bin/chromium, chromium-browser, google-chrome and chromium on PATH). tests/run.sh installs it with "
                + "'apt-get install -y chromium'; install it the same way (as root) and run the tests again.");
    }

    /// <summary>
    /// A PNG of <paramref name="file"/> as a 1280-pixel-wide window shows it, written to <paramref name="png"/> (kept as a
    /// test artifact to look at).
    /// </summary>
    public static async Task ScreenshotAsync(string file, string png)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(png))!);
        File.Delete(png);
        var chromium = Locate();
        var profile = TempDirectory.Create();
        try
        {
            var start = new ProcessStartInfo(chromium) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var argument in new[]
                     {
                         "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                         "--disable-component-update", "--disable-sync", "--no-first-run", "--no-default-browser-check", "--hide-scrollbars",
                         $"--user-data-dir={profile}", "--window-size=1280,1600", $"--screenshot={Path.GetFullPath(png)}", new Uri(Path.GetFullPath(file)).AbsoluteUri,
                     })
            {
                start.ArgumentList.Add(argument);
            }

            using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {chromium}.");
            var stderr = process.StandardError.ReadToEndAsync();
            _ = process.StandardOutput.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            try
            {
                await process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                throw new TimeoutException($"{chromium} --screenshot did not finish within 60 s. stderr:{Environment.NewLine}{await stderr}");
            }

            if (process.ExitCode != 0 || !File.Exists(png))
            {
                throw new InvalidOperationException($"{chromium} --screenshot failed (exit {process.ExitCode}). stderr:{Environment.NewLine}{await stderr}");
            }
        }
        finally
        {
            TempDirectory.Delete(profile);
        }
    }

    public static async Task<(string Dom, TimeSpan Elapsed)> DumpDomAsync(string file)
    {
        var chromium = Locate();
        var profile = TempDirectory.Create();
        try
        {
            var start = new ProcessStartInfo(chromium) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var argument in new[]
                     {
                         "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                         "--disable-component-update", "--disable-sync", "--no-first-run", "--no-default-browser-check",
                         $"--user-data-dir={profile}", "--dump-dom", new Uri(Path.GetFullPath(file)).AbsoluteUri,
                     })
            {
                start.ArgumentList.Add(argument);
            }

            var clock = Stopwatch.StartNew();
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
            if (process.ExitCode != 0 || !dom.Contains("</html>", StringComparison.Ordinal))
            {
                throw new InvalidOperationException($"{chromium} --dump-dom failed (exit {process.ExitCode}). stderr:{Environment.NewLine}{await stderr}");
            }

            return (dom, clock.Elapsed);
        }
        finally
        {
            TempDirectory.Delete(profile);
        }
    }
}
