using System.Diagnostics;
using System.Reflection;
using FinGuard.Testing.FakeGitHub;

namespace FinGuard.Tests.Infra;

/// <summary>
/// The Bicep CLI from the <c>Azure.Bicep.CommandLine.linux-x64</c> NuGet package this test project references (its
/// build props define <c>$(BicepPath)</c>, recorded in an assembly attribute at build time).
/// </summary>
internal static class BicepCli
{
    public static readonly string InfraDirectory = Path.Combine(RepositoryRoot.Path, "infra");

    private static readonly Lazy<string> Executable = new(Locate);

    public static async Task<(int ExitCode, string StdOut, string StdErr)> RunAsync(params string[] arguments)
    {
        var start = new ProcessStartInfo(Executable.Value)
        {
            WorkingDirectory = InfraDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        // The parameter files read deployment values from FINGUARD_* variables; the tests check the files' defaults.
        foreach (var name in start.Environment.Keys.Where(k => k.StartsWith("FINGUARD_", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            start.Environment.Remove(name);
        }

        // No telemetry: CI has no network beyond the package registries.
        start.Environment["BICEP_TELEMETRY_ENABLED"] = "false";
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {Executable.Value}.");
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
            throw new TimeoutException($"bicep {string.Join(' ', arguments)} did not finish within 120 s.");
        }

        return (process.ExitCode, await stdout, await stderr);
    }

    private static string Locate()
    {
        var recorded = typeof(BicepCli).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .FirstOrDefault(a => a.Key == "BicepPath")?.Value;
        var candidates = new List<string>();
        if (!string.IsNullOrEmpty(recorded))
        {
            candidates.Add(Path.GetFullPath(OperatingSystem.IsWindows() ? recorded : recorded.Replace('\\', '/')));
        }

        var packages = Environment.GetEnvironmentVariable("NUGET_PACKAGES")
            ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        candidates.Add(Path.Combine(packages, "azure.bicep.commandline.linux-x64", "0.49.2", "tools", "bicep"));

        var found = candidates.FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException(
                "The Bicep CLI was not found; it comes from the Azure.Bicep.CommandLine.linux-x64 package referenced by "
                + $"tests/FinGuard.Tests (run 'dotnet restore'). Looked in: {string.Join(", ", candidates)}");
        if (!OperatingSystem.IsWindows())
        {
            var mode = File.GetUnixFileMode(found);
            if ((mode & UnixFileMode.UserExecute) == 0)
            {
                File.SetUnixFileMode(found, mode | UnixFileMode.UserExecute);
            }
        }

        return found;
    }
}
