using System.Text;
using FinGuard.Core.Scans;
using static FinGuard.Core.Tests.Scans.ScanJsonBuilder;

namespace FinGuard.Core.Tests.Scans;

/// <summary>Format detection, and the errors for files that are neither format or not JSON at all.</summary>
public sealed class ScanReportParserTests
{
    [Theory]
    [InlineData("""{"version": "2.1.0", "runs": []}""")]
    [InlineData("""{"$schema": "https://json.schemastore.org/sarif-2.1.0.json", "runs": []}""")]
    [InlineData("""{"$schema": "https://docs.oasis-open.org/sarif/sarif/v2.1.0/os/schemas/sarif-schema-2.1.0.json", "version": "2.1.0", "runs": []}""")]
    public void Sarif_is_a_runs_key_with_version_2_1_0_or_a_sarif_schema(string json)
    {
        Assert.Equal(ScanFormat.Sarif, Parsed(json).Format);
    }

    [Theory]
    [InlineData("""{"results": [], "errors": []}""")]
    [InlineData("""{"results": [], "version": "1.97.0"}""")]
    [InlineData("""{"results": [], "paths": {"scanned": []}}""")]
    public void Semgrep_json_is_a_results_array_with_errors_version_or_paths(string json)
    {
        Assert.Equal(ScanFormat.SemgrepJson, Parsed(json).Format);
    }

    [Theory]
    [InlineData("""{"runs": []}""", "neither SARIF 2.1.0 nor Semgrep JSON: it has a 'runs' key (an array) but no \"version\": \"2.1.0\" and no SARIF \"$schema\"")]
    [InlineData("""{"version": "2.0.0", "runs": []}""", "neither SARIF 2.1.0 nor Semgrep JSON: it has a 'runs' key (an array) but no \"version\": \"2.1.0\" and no SARIF \"$schema\"")]
    [InlineData("""{"results": []}""", "neither SARIF 2.1.0 nor Semgrep JSON: it has a 'results' key but none of 'errors', 'version' and 'paths', which Semgrep --json always writes")]
    [InlineData("""{"findings": []}""", "neither SARIF 2.1.0 nor Semgrep JSON: the top-level object has no 'runs' (SARIF) and no 'results' (Semgrep JSON) key")]
    [InlineData("""{}""", "neither SARIF 2.1.0 nor Semgrep JSON: the top-level object has no 'runs' (SARIF) and no 'results' (Semgrep JSON) key")]
    [InlineData("""[]""", "neither SARIF 2.1.0 nor Semgrep JSON: the top level is an array, not an object")]
    [InlineData("""42""", "neither SARIF 2.1.0 nor Semgrep JSON: the top level is the number 42, not an object")]
    [InlineData("""null""", "neither SARIF 2.1.0 nor Semgrep JSON: the top level is null, not an object")]
    public void A_file_of_neither_format_says_why(string json, string message)
    {
        var error = Failed(json);

        Assert.Null(error.Format);
        Assert.Equal(message, error.Message);
        Assert.Equal(message, error.ToString());
    }

    [Theory]
    [InlineData("""{"$schema": "https://json.schemastore.org/sarif-2.0.0.json", "version": "2.0.0", "runs": []}""", "version: the string \"2.0.0\" is not supported; FinGuard reads SARIF 2.1.0")]
    [InlineData("""{"$schema": "https://json.schemastore.org/sarif-2.1.0.json", "version": 2.1, "runs": []}""", "version: the number 2.1 is not supported; FinGuard reads SARIF 2.1.0")]
    [InlineData("""{"$schema": "https://json.schemastore.org/sarif-2.1.0.json", "version": "2.1.0"}""", "runs: required, expected an array")]
    [InlineData("""{"version": "2.1.0", "runs": "none"}""", "runs: expected an array, found the string \"none\"")]
    public void A_file_claiming_sarif_that_is_unusable_is_a_sarif_error(string json, string message)
    {
        var error = Failed(json);

        Assert.Equal(ScanFormat.Sarif, error.Format);
        Assert.Equal(message, error.Message);
    }

    [Fact]
    public void A_semgrep_file_whose_results_is_not_an_array_is_a_semgrep_error()
    {
        var error = Failed("""{"results": {}, "errors": []}""");

        Assert.Equal((ScanFormat?)ScanFormat.SemgrepJson, error.Format);
        Assert.Equal("results: expected an array, found an object", error.Message);
    }

    [Theory]
    [InlineData("", "the file is empty")]
    [InlineData("  \n\t ", "the file is empty")]
    [InlineData("{\"results\": [", "the file is not valid JSON: ")]
    [InlineData("{\"results\": [], \"errors\": []} trailing", "the file is not valid JSON: ")]
    [InlineData("{\"results\": [], \"errors\": [],}", "the file is not valid JSON: ")]
    [InlineData("{\"results\": [], /* c */ \"errors\": []}", "the file is not valid JSON: ")]
    [InlineData("{\"results\": [], \"errors\": [], \"results\": [1]}", "the file is not valid JSON: ")]
    [InlineData("<?xml version=\"1.0\"?><sarif/>", "the file is not valid JSON: ")]
    public void Text_that_is_not_one_json_object_is_an_error(string text, string prefix)
    {
        var error = Failed(text);

        Assert.Null(error.Format);
        Assert.StartsWith(prefix, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_utf8_byte_order_mark_is_allowed()
    {
        var bytes = Encoding.UTF8.GetPreamble().Concat(Encoding.UTF8.GetBytes("""{"version": "2.1.0", "runs": []}""")).ToArray();

        Assert.True(ScanReportParser.Parse(bytes).IsParsed);
    }

    [Fact]
    public void Utf16_and_invalid_utf8_are_errors_naming_the_encoding()
    {
        var utf16 = Encoding.Unicode.GetPreamble().Concat(Encoding.Unicode.GetBytes("""{"version": "2.1.0", "runs": []}""")).ToArray();
        var invalid = Encoding.UTF8.GetBytes("""{"version": "2.1.0", "runs": []}""").Concat(new byte[] { 0xC3, 0x28 }).ToArray();

        Assert.Equal("the file is UTF-16; scanner output must be UTF-8", ScanReportParser.Parse(utf16).Error?.Message);
        Assert.Equal("the file is not valid UTF-8 (byte 33)", ScanReportParser.Parse(invalid).Error?.Message);
    }

    [Fact]
    public void An_unpaired_surrogate_escape_in_a_needed_string_is_an_error_not_an_exception()
    {
        var error = Failed(Sarif("""{"ruleId": "\ud800", "message": {"text": "m"}}"""));

        Assert.Equal("runs[0].results[0].ruleId: the string is not valid Unicode text (an unpaired surrogate escape)", error.Message);
    }

    [Theory]
    [InlineData("""{"version": "\ud800", "runs": []}""")]
    [InlineData("""{"$schema": "sarif", "version": "\ud800", "runs": []}""")]
    [InlineData("""{"\ud800": 1, "version": "2.1.0", "runs": []}""")]
    [InlineData("""{"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "T"}}, "results": [{"ruleId": "x", "message": {"text": "m"}, "partialFingerprints": {"\udc00": "f"}}]}]}""")]
    [InlineData("""{"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "T"}}, "results": [{"ruleId": "x", "message": {"text": "m"}, "partialFingerprints": {"\udc00": 1}}]}]}""")]
    [InlineData("""{"results": [{"check_id": "r", "path": "p", "extra": {"message": "m", "severity": "\ud800"}}], "errors": []}""")]
    [InlineData("""{"results": [], "errors": [{"level": "\ud800"}]}""")]
    public void Unpaired_surrogate_escapes_anywhere_never_throw(string json)
    {
        var result = ScanReportParser.Parse(Encoding.UTF8.GetBytes(json));

        Assert.True(result.IsParsed || result.Error.Message.Length > 0);
    }

    [Fact]
    public void Input_over_the_size_limit_is_refused_before_parsing()
    {
        var bytes = new byte[ScanReportParser.MaxInputBytes + 1];

        Assert.Equal("the file is 104857601 bytes, over the 100 MiB limit for scanner output", ScanReportParser.Parse(bytes).Error?.Message);
    }

    [Fact]
    public void Nesting_deeper_than_the_limit_is_an_error()
    {
        var deep = $$"""{"version": "2.1.0", "runs": [], "properties": {{new string('[', 200)}}{{new string(']', 200)}}}""";
        var allowed = $$"""{"version": "2.1.0", "runs": [], "properties": {{new string('[', 60)}}{{new string(']', 60)}}}""";

        Assert.Contains("depth", Failed(deep).Message, StringComparison.OrdinalIgnoreCase);
        Assert.True(ScanReportParser.Parse(Encoding.UTF8.GetBytes(allowed)).IsParsed);
    }

    [Fact]
    public void A_large_report_parses_with_exact_counts()
    {
        var results = string.Join(",", Enumerable.Range(0, 20_000).Select(i => SarifResult($", \"level\": \"{(i % 4) switch { 0 => "error", 1 => "warning", 2 => "note", _ => "none" }}\"")));

        var report = Parsed(Sarif(results));

        Assert.Equal(20_000, report.Findings.Length);
        Assert.Equal([5_000, 5_000, 5_000, 5_000], ((ScanSeverity[])[ScanSeverity.High, ScanSeverity.Medium, ScanSeverity.Low, ScanSeverity.Info]).Select(report.Count));
        Assert.Equal(10_000, report.CountAtOrAbove(ScanSeverity.Medium));
    }

    [Fact]
    public void A_huge_array_of_the_wrong_items_fails_at_the_first_item()
    {
        var json = $$"""{"results": [{{string.Join(",", Enumerable.Repeat("0", 1_000_000))}}], "errors": []}""";

        Assert.Equal("results[0]: expected an object, found the number 0", Failed(json).Message);
    }

    [Fact]
    public void Long_values_are_shortened_in_messages()
    {
        var error = Failed(Sarif(SarifResult($", \"level\": \"{new string('x', 500)}\"")));

        Assert.Equal($"runs[0].results[0].level: \"{new string('x', 37)}...\" is not a SARIF level (none, note, warning, error)", error.Message);
    }
}
