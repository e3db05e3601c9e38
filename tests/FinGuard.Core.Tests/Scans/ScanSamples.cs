using System.Text.Json.Nodes;
using FinGuard.Core.Scans;

namespace FinGuard.Core.Tests.Scans;

/// <summary>
/// The scanner output files in <c>Scans/Samples</c> (copied to the test output folder), each with a
/// <c>NAME.expected.json</c> holding its summary in the <c>finguard scans summarize --json</c> shape.
/// </summary>
internal static class ScanSamples
{
    public static string Directory { get; } = Path.Combine(AppContext.BaseDirectory, "Scans", "Samples");

    /// <summary>Every sample file name (not the expectations or the README).</summary>
    public static IReadOnlyList<string> Names { get; } = [.. System.IO.Directory.EnumerateFiles(Directory)
        .Select(Path.GetFileName)
        .OfType<string>()
        .Where(name => (name.EndsWith(".sarif", StringComparison.Ordinal) || name.EndsWith(".json", StringComparison.Ordinal))
            && !name.EndsWith(".expected.json", StringComparison.Ordinal))
        .Order(StringComparer.Ordinal)];

    public static TheoryData<string> All()
    {
        var data = new TheoryData<string>();
        foreach (var name in Names)
        {
            data.Add(name);
        }

        return data;
    }

    public static byte[] Bytes(string name) => File.ReadAllBytes(Path.Combine(Directory, name));

    public static JsonNode Expected(string name) =>
        JsonNode.Parse(File.ReadAllText(Path.Combine(Directory, $"{Path.GetFileNameWithoutExtension(name)}.expected.json")))!;

    public static ScanReport Report(string name)
    {
        var result = ScanReportParser.Parse(Bytes(name));
        Assert.True(result.IsParsed, $"{name}: {result.Error}");
        return result.Report;
    }

    /// <summary>The summary shape <c>finguard scans summarize --json</c> prints.</summary>
    public static JsonObject Summary(ScanReport report) => new()
    {
        ["format"] = report.Format.Name(),
        ["tools"] = new JsonArray([.. report.Tools.Select(t => (JsonNode)t)]),
        ["findings"] = new JsonObject(ScanSeverityNames.HighestFirst.Select(s => KeyValuePair.Create(s.Name(), (JsonNode?)report.Count(s)))),
        ["suppressed"] = report.Suppressed,
        ["toolErrors"] = report.ToolErrors.Length,
    };
}
