using System.Text.Json.Nodes;
using FinGuard.Cli;
using FinGuard.Testing.FakeGitHub;

namespace FinGuard.Tests.Cli;

/// <summary><c>finguard scans summarize</c> over the scan samples of FinGuard.Core.Tests, whose expected summaries are the documented <c>--json</c> shape.</summary>
public sealed class ScansSummarizeTests
{
    private static readonly string Samples = Path.Combine(RepositoryRoot.Path, "tests", "FinGuard.Core.Tests", "Scans", "Samples");

    private static string Sample(string name) => Path.Combine(Samples, name);

    private static async Task<(int Exit, string Out, string Err)> RunAsync(params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var exit = await FinGuardCommandLine.RunAsync(args, stdout, stderr);
        return (exit, stdout.ToString(), stderr.ToString());
    }

    public static TheoryData<string> AllSamples()
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.EnumerateFiles(Samples).Select(Path.GetFileName).OfType<string>()
                     .Where(n => (n.EndsWith(".sarif", StringComparison.Ordinal) || n.EndsWith(".json", StringComparison.Ordinal)) && !n.EndsWith(".expected.json", StringComparison.Ordinal))
                     .Order(StringComparer.Ordinal))
        {
            data.Add(file);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(AllSamples))]
    public async Task Json_output_is_exactly_the_documented_summary(string name)
    {
        var (exit, output, error) = await RunAsync("scans", "summarize", Sample(name), "--json");

        Assert.Equal(0, exit);
        Assert.Empty(error);
        var expected = JsonNode.Parse(await File.ReadAllTextAsync(Sample($"{Path.GetFileNameWithoutExtension(name)}.expected.json")));
        var actual = JsonNode.Parse(output);
        Assert.True(JsonNode.DeepEquals(expected, actual), $"expected {expected?.ToJsonString()}, got {actual?.ToJsonString()}");
        Assert.Equal(["format", "tools", "findings", "suppressed", "toolErrors"], actual!.AsObject().Select(p => p.Key));
        Assert.Equal(["critical", "high", "medium", "low", "info"], actual["findings"]!.AsObject().Select(p => p.Key));
    }

    [Fact]
    public async Task The_flag_may_come_first()
    {
        var (exit, output, _) = await RunAsync("scans", "summarize", "--json", Sample("trivy.sarif"));

        Assert.Equal(0, exit);
        Assert.Equal("sarif", JsonNode.Parse(output)!["format"]!.GetValue<string>());
    }

    [Fact]
    public async Task Human_output_summarises_counts_tool_errors_and_the_worst_findings_first()
    {
        var (exit, output, _) = await RunAsync("scans", "summarize", Sample("codeql.sarif"));

        Assert.Equal(0, exit);
        var lines = output.ReplaceLineEndings("\n").TrimEnd().Split('\n');
        Assert.Equal("SARIF 2.1.0 from CodeQL: 5 findings (1 critical, 2 high, 1 medium, 1 low, 0 info)", lines[0]);
        Assert.Equal("0 suppressed, 1 tool error, 1 tool warning", lines[1]);
        Assert.Equal("  tool error: CodeQL: Error: Unexpected token", lines[2]);
        Assert.Equal("  tool warning: CodeQL: 1 file could not be extracted; results in it may be missing.", lines[3]);
        Assert.Equal("  critical js/hardcoded-credentials at web/config.js:3 (CodeQL)", lines[4]);
        Assert.Equal("  low js/unused-local-variable at web/app.js:8 (CodeQL)", lines[^1]);
    }

    [Fact]
    public async Task Human_output_for_semgrep_json_with_no_findings()
    {
        var (exit, output, _) = await RunAsync("scans", "summarize", Sample("semgrep-clean.json"));

        Assert.Equal(0, exit);
        Assert.Equal(
            "Semgrep JSON from Semgrep: 0 findings (0 critical, 0 high, 0 medium, 0 low, 0 info)\n0 suppressed, 0 tool errors, 0 tool warnings",
            output.ReplaceLineEndings("\n").TrimEnd());
    }

    [Fact]
    public async Task A_file_of_neither_format_is_exit_2_saying_why()
    {
        var file = Path.Combine(Directory.CreateTempSubdirectory("finguard-scans-").FullName, "report.json");
        await File.WriteAllTextAsync(file, """{"findings": [{"id": 1}]}""");

        var (exit, output, error) = await RunAsync("scans", "summarize", file, "--json");

        Assert.Equal(2, exit);
        Assert.Empty(output);
        Assert.Equal($"finguard scans summarize: {file}: neither SARIF 2.1.0 nor Semgrep JSON: the top-level object has no 'runs' (SARIF) and no 'results' (Semgrep JSON) key", error.TrimEnd());
    }

    [Fact]
    public async Task Invalid_sarif_is_exit_2_naming_the_format_and_path()
    {
        var file = Path.Combine(Directory.CreateTempSubdirectory("finguard-scans-").FullName, "bad.sarif");
        await File.WriteAllTextAsync(file, """{"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "T"}}, "results": [{"ruleId": "x", "level": "fatal", "message": {"text": "m"}}]}]}""");

        var (exit, _, error) = await RunAsync("scans", "summarize", file);

        Assert.Equal(2, exit);
        Assert.EndsWith("bad.sarif: SARIF 2.1.0: runs[0].results[0].level: \"fatal\" is not a SARIF level (none, note, warning, error)", error.TrimEnd(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Truncated_json_is_exit_2()
    {
        var file = Path.Combine(Directory.CreateTempSubdirectory("finguard-scans-").FullName, "cut.sarif");
        var bytes = await File.ReadAllBytesAsync(Sample("trivy.sarif"));
        await File.WriteAllBytesAsync(file, bytes[..(bytes.Length / 2)]);

        var (exit, _, error) = await RunAsync("scans", "summarize", file);

        Assert.Equal(2, exit);
        Assert.Contains("cut.sarif: the file is not valid JSON: ", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_or_unreadable_file_is_exit_2()
    {
        var (missingExit, _, missing) = await RunAsync("scans", "summarize", "/no/such/scan.sarif");
        var (folderExit, _, folder) = await RunAsync("scans", "summarize", Samples);

        Assert.Equal((2, "finguard scans summarize: /no/such/scan.sarif: no such file."), (missingExit, missing.TrimEnd()));
        Assert.Equal(2, folderExit);
        Assert.StartsWith($"finguard scans summarize: {Samples}: no such file.", folder, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new string[] { "scans" }, "finguard scans: a subcommand is required. usage: finguard scans summarize FILE [--json]")]
    [InlineData(new[] { "scans", "list" }, "finguard scans: unknown subcommand 'list'. usage: finguard scans summarize FILE [--json]")]
    [InlineData(new[] { "scans", "summarize" }, "finguard scans summarize: FILE is required. usage: finguard scans summarize FILE [--json]")]
    [InlineData(new[] { "scans", "summarize", "a.sarif", "b.sarif" }, "finguard scans summarize: unexpected argument 'b.sarif'. usage: finguard scans summarize FILE [--json]")]
    [InlineData(new[] { "scans", "summarize", "a.sarif", "--yaml" }, "finguard scans summarize: unexpected argument '--yaml'. usage: finguard scans summarize FILE [--json]")]
    public async Task Bad_usage_is_exit_2_with_the_usage(string[] args, string message)
    {
        var (exit, _, error) = await RunAsync(args);

        Assert.Equal((2, message), (exit, error.TrimEnd()));
    }

    [Fact]
    public async Task Help_lists_the_command()
    {
        var (_, output, _) = await RunAsync("help");

        Assert.Contains("finguard scans summarize FILE [--json]", output, StringComparison.Ordinal);
    }
}
