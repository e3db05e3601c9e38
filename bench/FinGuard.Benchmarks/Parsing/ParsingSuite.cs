using BenchmarkDotNet.Running;
using FinGuard.Benchmarks.Reporting;
using FinGuard.Core.Scans;

namespace FinGuard.Benchmarks.Parsing;

/// <summary>Runs <see cref="ScanParsingBenchmarks"/> and prints throughput in MB/s next to the baseline's.</summary>
public static class ParsingSuite
{
    public static void Run(BenchmarkRunOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        Console.WriteLine("## Parsing: scanner output with 5,000 findings (BenchmarkDotNet)");
        Console.WriteLine();
        var summary = BenchmarkRunner.Run<ScanParsingBenchmarks>(BenchmarkDotNetConfig.Create(options.Quick));

        Console.WriteLine();
        Console.WriteLine("### Parse + summarise throughput (MB = 10^6 bytes)");
        Console.WriteLine();
        var table = new ConsoleTable("format", "file", "benchmark", "mean", "throughput", "allocated", "ratio to JsonDocument.Parse (time)");
        foreach (var format in summary.BenchmarksCases.GroupBy(c => (ScanFormat)c.Parameters["Format"]))
        {
            var findings = (int)format.First().Parameters["Findings"];
            var size = ScanParsingBenchmarks.Generate(format.Key, findings).Length;
            var baselineNs = format.Where(c => c.Descriptor.Baseline).Select(c => BenchmarkDotNetConfig.MeanNanoseconds(summary, c)).Single();
            foreach (var c in format)
            {
                var meanNs = BenchmarkDotNetConfig.MeanNanoseconds(summary, c);
                table.Add(format.Key.DisplayName(), $"{size / 1e6:0.00} MB, {findings:N0} findings", c.Descriptor.WorkloadMethodDisplayInfo.Trim('\''),
                    ConsoleTable.Milliseconds(meanNs / 1e6), $"{size / (meanNs / 1e9) / 1e6:0} MB/s",
                    $"{BenchmarkDotNetConfig.AllocatedBytes(summary, c) / 1e6:0.0} MB", ConsoleTable.Ratio(meanNs / baselineNs));
            }
        }

        table.Write();
    }
}
