using System.Diagnostics;
using FinGuard.Testing.FakeGitHub;
using FinGuard.Tests.Infrastructure;

namespace FinGuard.Tests.Cli;

/// <summary>
/// <c>dotnet run --project src/FinGuard -- …</c>, the form README and docs use before anything is published, runs in the
/// directory the user typed it in: a relative policy path is found there, and the default store <c>./.finguard</c>
/// would be created there, not in <c>src/FinGuard</c>.
/// </summary>
public sealed class RunWorkingDirectoryTests : IDisposable
{
    private readonly string work = TempDirectory.Create();

    public void Dispose() => TempDirectory.Delete(work);

    [Fact]
    public async Task Relative_paths_resolve_against_the_callers_directory()
    {
        File.Copy(Path.Combine(RepositoryRoot.Path, "docs", "examples", "policies", "minimal.yml"), Path.Combine(work, "policy.yml"));
        var project = Path.Combine(RepositoryRoot.Path, "src", "FinGuard");
        var configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Debug{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Debug" : "Release";

        var dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";
        var start = new ProcessStartInfo(dotnet)
        {
            WorkingDirectory = work,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { "run", "--project", project, "-c", configuration, "--no-build", "--", "config", "validate", "policy.yml" })
        {
            start.ArgumentList.Add(arg);
        }

        // The test host's own MSBuild variables would point the nested `dotnet run` at the wrong SDK pieces.
        foreach (var name in start.Environment.Keys.Where(k => k.StartsWith("MSBuild", StringComparison.OrdinalIgnoreCase) || k.StartsWith("MSBUILD", StringComparison.Ordinal)).ToList())
        {
            start.Environment.Remove(name);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await process.WaitForExitAsync(timeout.Token);

        Assert.True(process.ExitCode == 0, $"exit {process.ExitCode}: {await stdout}{await stderr}");
        Assert.StartsWith("policy.yml: valid", await stdout, StringComparison.Ordinal);
    }
}
