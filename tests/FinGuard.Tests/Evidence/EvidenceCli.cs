using FinGuard.Cli;
using Microsoft.Extensions.Time.Testing;

namespace FinGuard.Tests.Evidence;

/// <summary>Runs <c>finguard evidence ...</c> in-process, as the <c>finguard</c> executable does, and captures its output.</summary>
internal static class EvidenceCli
{
    public static readonly DateTimeOffset ExportTime = new(2026, 3, 10, 8, 0, 0, TimeSpan.Zero);

    public static async Task<(int Exit, string Stdout, string Stderr)> RunAsync(params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var exit = await EvidenceCommand.RunAsync(args, stdout, stderr, new FakeTimeProvider(ExportTime));
        return (exit, stdout.ToString(), stderr.ToString());
    }
}
