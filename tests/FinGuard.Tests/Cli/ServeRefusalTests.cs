using System.Diagnostics;
using Azure.Storage.Blobs;
using FinGuard.Testing.Azurite;
using FinGuard.Tests.EndToEnd;
using FinGuard.Tests.Infrastructure;

namespace FinGuard.Tests.Cli;

/// <summary>
/// <c>finguard serve</c> refusing to start, run as the real executable (the <c>finguard.dll</c> built beside the tests),
/// so that everything the process writes — its own messages, the host's console log, an unhandled exception — is seen:
/// exit code 1, one message on stderr that says what is wrong and how to fix it, and no stack trace anywhere.
/// </summary>
[Collection(AzuriteTestGroup.Name)]
public sealed class ServeRefusalTests(AzuriteFixture azurite) : IDisposable
{
    private readonly string work = TempDirectory.Create();

    public void Dispose() => TempDirectory.Delete(work);

    [Fact]
    public async Task Production_mode_against_a_container_without_locked_immutability_exits_1_with_one_message_and_no_stack_trace()
    {
        var container = $"ev-{Guid.NewGuid():N}"[..20];
        await new BlobServiceClient(azurite.ConnectionString).GetBlobContainerClient(container).CreateAsync();

        var run = await RunFinGuardAsync(
            "serve",
            $"--Storage:ConnectionString={azurite.ConnectionString}",
            $"--Storage:EvidenceContainer={container}",
            $"--Storage:TablePrefix=t{Guid.NewGuid():N}"[..30],
            "--FinGuard:Mode=production",
            "--urls=http://127.0.0.1:0");

        Assert.True(run.ExitCode == 1, $"exit {run.ExitCode}{Environment.NewLine}{run.Stdout}{run.Stderr}");
        Assert.StartsWith(
            $"finguard serve: refusing to start: FinGuard:Mode is production, but the evidence container is not verified write-once (WORM): blob container '{container}' is not write-once",
            run.Stderr,
            StringComparison.Ordinal);
        Assert.Contains("lock a time-based retention policy on the evidence container", run.Stderr, StringComparison.Ordinal);
        Assert.Contains("--FinGuard:Mode=development", run.Stderr, StringComparison.Ordinal);
        AssertNoStackTrace(run);
    }

    [Fact]
    public async Task Production_mode_with_the_local_folder_exits_1_with_one_message_and_no_stack_trace()
    {
        var run = await RunFinGuardAsync("serve", $"--Storage:LocalPath={Path.Combine(work, "store")}", "--FinGuard:Mode=production", "--urls=http://127.0.0.1:0");

        Assert.True(run.ExitCode == 1, $"exit {run.ExitCode}{Environment.NewLine}{run.Stdout}{run.Stderr}");
        Assert.StartsWith("finguard serve: refusing to start: FinGuard:Mode is production, but evidence would be written to the local folder", run.Stderr, StringComparison.Ordinal);
        Assert.Contains("FinGuard__Mode=development", run.Stderr, StringComparison.Ordinal);
        AssertNoStackTrace(run);
    }

    [Fact]
    public async Task An_invalid_configuration_exits_1_with_the_validation_message_and_no_stack_trace()
    {
        var run = await RunFinGuardAsync("serve", $"--Storage:LocalPath={Path.Combine(work, "store")}", "--FinGuard:Mode=staging", "--urls=http://127.0.0.1:0");

        Assert.True(run.ExitCode == 1, $"exit {run.ExitCode}{Environment.NewLine}{run.Stdout}{run.Stderr}");
        Assert.StartsWith("finguard serve: refusing to start: the configuration is invalid: ", run.Stderr, StringComparison.Ordinal);
        Assert.Contains("FinGuard:Mode must be 'development' or 'production'.", run.Stderr, StringComparison.Ordinal);
        Assert.Single(run.Stderr.TrimEnd().Split('\n'));
        AssertNoStackTrace(run);
    }

    private static void AssertNoStackTrace(Run run)
    {
        var lines = (run.Stdout + "\n" + run.Stderr).Split('\n');
        Assert.DoesNotContain(lines, line => line.StartsWith("   at ", StringComparison.Ordinal));
        Assert.DoesNotContain("Unhandled exception", run.Stdout + run.Stderr, StringComparison.Ordinal);
    }

    private sealed record Run(int ExitCode, string Stdout, string Stderr);

    /// <summary>Runs <c>dotnet finguard.dll ARGS</c> from the test output folder in an empty working directory.</summary>
    private async Task<Run> RunFinGuardAsync(params string[] args)
    {
        var dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";
        var start = new ProcessStartInfo(dotnet)
        {
            WorkingDirectory = work,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "finguard.dll"));
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var name in start.Environment.Keys.Where(k => k.StartsWith("ASPNETCORE_", StringComparison.OrdinalIgnoreCase) || k.StartsWith("DOTNET_ENVIRONMENT", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            start.Environment.Remove(name);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {dotnet}.");
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
            throw new TimeoutException($"finguard {string.Join(' ', args)} did not exit within 60 s (it should refuse to start):{Environment.NewLine}{await stdout}{await stderr}");
        }

        return new Run(process.ExitCode, (await stdout).ReplaceLineEndings("\n"), (await stderr).ReplaceLineEndings("\n"));
    }
}
