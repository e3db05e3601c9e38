using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Exporters;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Loggers;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using FinGuard.Testing.FakeGitHub;
using Perfolizer.Horology;

namespace FinGuard.Benchmarks.Reporting;

/// <summary>
/// BenchmarkDotNet settings for this 2-core machine: in-process (no generated project to build, which would also
/// have to satisfy this repository's central package management and warnings-as-errors), a bounded job
/// (<c>--quick</c>: 1 warm-up and 3 iterations of 100 ms; otherwise 3 warm-ups and 10 iterations of 250 ms), memory
/// diagnoser, results also exported as GitHub Markdown under <c>artifacts/bench</c>.
/// </summary>
public static class BenchmarkDotNetConfig
{
    public static IConfig Create(bool quick) =>
        ManualConfig.CreateEmpty()
            .AddJob(Job.Default
                .WithToolchain(InProcessEmitToolchain.Instance)
                .WithLaunchCount(1)
                .WithWarmupCount(quick ? 1 : 3)
                .WithIterationCount(quick ? 3 : 10)
                .WithIterationTime(TimeInterval.FromMilliseconds(quick ? 100 : 250))
                .WithId(quick ? "Quick" : "Bounded"))
            .AddDiagnoser(MemoryDiagnoser.Default)
            .AddColumnProvider(DefaultColumnProviders.Instance)
            .AddLogger(ConsoleLogger.Default)
            .AddExporter(MarkdownExporter.GitHub)
            .WithSummaryStyle(SummaryStyle.Default.WithRatioStyle(RatioStyle.Value))
            .WithArtifactsPath(Path.Combine(RepositoryRoot.Path, "artifacts", "bench"))
            .WithOptions(ConfigOptions.DisableLogFile);

    /// <summary>Bytes allocated per operation of a benchmark case, or NaN when the diagnoser did not report it.</summary>
    public static double AllocatedBytes(Summary summary, BenchmarkDotNet.Running.BenchmarkCase benchmark)
    {
        ArgumentNullException.ThrowIfNull(summary);
        var report = summary[benchmark];
        return report?.GcStats.GetBytesAllocatedPerOperation(benchmark) is { } bytes ? bytes : double.NaN;
    }

    /// <summary>Mean time per operation in nanoseconds, or NaN.</summary>
    public static double MeanNanoseconds(Summary summary, BenchmarkDotNet.Running.BenchmarkCase benchmark)
    {
        ArgumentNullException.ThrowIfNull(summary);
        return summary[benchmark]?.ResultStatistics?.Mean ?? double.NaN;
    }
}
