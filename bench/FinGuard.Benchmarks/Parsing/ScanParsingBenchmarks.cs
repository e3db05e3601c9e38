using System.Text.Json;
using BenchmarkDotNet.Attributes;
using FinGuard.Core.Scans;

namespace FinGuard.Benchmarks.Parsing;

/// <summary>
/// Reading a 5,000-finding scanner output file: <see cref="ScanReportParser.Parse"/> plus the summary the scan
/// control needs (open findings per severity), against <c>JsonDocument.Parse</c> of the same bytes (baseline).
/// </summary>
[MemoryDiagnoser]
public class ScanParsingBenchmarks
{
    private byte[] bytes = [];

    [Params(ScanFormat.SemgrepJson, ScanFormat.Sarif)]
    public ScanFormat Format { get; set; }

    [Params(5_000)]
    public int Findings { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        bytes = Generate(Format, Findings);
        var result = ScanReportParser.Parse(bytes);
        var expected = Findings - (Findings / 20);
        if (!result.IsParsed || result.Report.Format != Format || result.Report.Findings.Length != expected)
        {
            throw new InvalidOperationException($"The generated {Format} file does not parse as {expected} open findings: {result}");
        }
    }

    public static byte[] Generate(ScanFormat format, int findings) =>
        format == ScanFormat.Sarif ? ScanReportGenerator.Sarif(findings) : ScanReportGenerator.SemgrepJson(findings);

    [Benchmark(Baseline = true, Description = "JsonDocument.Parse (same bytes)")]
    public int ParseJson()
    {
        using var document = JsonDocument.Parse(bytes);
        return document.RootElement.GetPropertyCount();
    }

    [Benchmark(Description = "ScanReportParser.Parse + summary")]
    public int ParseAndSummarise()
    {
        var result = ScanReportParser.Parse(bytes);
        if (!result.IsParsed)
        {
            throw new InvalidOperationException(result.Error.ToString());
        }

        var report = result.Report;
        var total = 0;
        foreach (var severity in Enum.GetValues<ScanSeverity>())
        {
            total += report.Count(severity);
        }

        return total + report.CountAtOrAbove(ScanSeverity.High) + report.Suppressed + report.ToolErrors.Length + report.ToolWarnings.Length;
    }
}
