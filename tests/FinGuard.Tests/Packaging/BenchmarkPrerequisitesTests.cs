using System.Diagnostics;
using FinGuard.Testing;
using FinGuard.Testing.FakeGitHub;
using FinGuard.Tests.Infrastructure;

namespace FinGuard.Tests.Packaging;

/// <summary>
/// The benchmark reads GitHub's recorded payloads and API description from node_modules. Run in a checkout where
/// <c>npm ci</c> has not run, it says what to run and exits 2 instead of crashing with a FileNotFoundException.
/// </summary>
public sealed class BenchmarkPrerequisitesTests
{
    [Fact]
    public void The_checkout_has_every_package_and_an_empty_folder_has_none()
    {
        Assert.Null(NpmPackages.WhatIsMissing(RepositoryRoot.Path));

        var empty = TempDirectory.Create();
        try
        {
            var message = NpmPackages.WhatIsMissing(empty);
            Assert.NotNull(message);
            Assert.Contains("@octokit/webhooks-examples and @octokit/openapi are not installed", message, StringComparison.Ordinal);
            Assert.Contains($"Run 'npm ci' in {empty}", message, StringComparison.Ordinal);
        }
        finally
        {
            TempDirectory.Delete(empty);
        }
    }

    [Fact]
    public async Task The_benchmark_without_node_modules_says_to_run_npm_ci_and_exits_2()
    {
        // The benchmark as the solution build left it, copied into a folder that looks like a checkout without node_modules.
        var configuration = new DirectoryInfo(Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory)).Parent!.Name;
        var built = Path.Combine(RepositoryRoot.Path, "bench", "FinGuard.Benchmarks", "bin", configuration, "net10.0");
        Assert.True(File.Exists(Path.Combine(built, "FinGuard.Benchmarks.dll")), $"build the solution ({configuration}) first: no benchmark in {built}");
        var checkout = TempDirectory.Create();
        try
        {
            await File.WriteAllTextAsync(Path.Combine(checkout, "FinGuard.sln"), "");
            var bin = Path.Combine(checkout, "bench-bin");
            foreach (var file in Directory.EnumerateFiles(built, "*", SearchOption.AllDirectories))
            {
                var target = Path.Combine(bin, Path.GetRelativePath(built, file));
                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                File.Copy(file, target);
            }

            var start = new ProcessStartInfo("dotnet") { WorkingDirectory = checkout, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            start.ArgumentList.Add(Path.Combine(bin, "FinGuard.Benchmarks.dll"));
            start.ArgumentList.Add("ingestion");
            start.ArgumentList.Add("--quick");
            using var process = Process.Start(start)!;
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
            try
            {
                await process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                throw;
            }

            var errors = await stderr;
            Assert.True(process.ExitCode == 2, $"exit {process.ExitCode}: {errors}{await stdout}");
            Assert.Contains("Run 'npm ci' in", errors, StringComparison.Ordinal);
            Assert.DoesNotContain("Unhandled exception", errors, StringComparison.Ordinal);
            Assert.DoesNotContain("FileNotFoundException", errors, StringComparison.Ordinal);
        }
        finally
        {
            TempDirectory.Delete(checkout);
        }
    }
}
