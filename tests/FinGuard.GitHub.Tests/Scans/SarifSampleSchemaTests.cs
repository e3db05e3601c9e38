using System.Text.Json;
using FinGuard.GitHub.Tests.Webhooks;
using FinGuard.Testing.FakeGitHub;

namespace FinGuard.GitHub.Tests.Scans;

/// <summary>
/// The hand-written SARIF samples the scan parsers are tested on (tests/FinGuard.Core.Tests/Scans/Samples) conform to
/// the OASIS SARIF 2.1.0 JSON schema, as shipped in the <c>@microsoft/jest-sarif</c> npm package: so the parsers are
/// tested on SARIF a real producer could write, not on a private dialect.
/// </summary>
public sealed class SarifSampleSchemaTests
{
    private static readonly string SamplesDirectory = Path.Combine(RepositoryRoot.Path, "tests", "FinGuard.Core.Tests", "Scans", "Samples");

    private static readonly Lazy<JsonElement> Schema = new(() =>
    {
        var path = Path.Combine(RepositoryRoot.Path, "node_modules", "@microsoft", "jest-sarif", "lib", "schemas", "sarif-2.1.0-rtm.5.json");
        Assert.True(File.Exists(path), $"{path} is missing: run 'npm ci' (the SARIF schema comes from the @microsoft/jest-sarif dev dependency).");
        using var document = JsonDocument.Parse(File.ReadAllBytes(path));
        return document.RootElement.Clone();
    });

    public static TheoryData<string> SarifSamples()
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.EnumerateFiles(SamplesDirectory, "*.sarif").Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetFileName(file));
        }

        return data;
    }

    [Fact]
    public void There_are_sarif_samples_to_check()
    {
        Assert.True(SarifSamples().Count >= 6);
    }

    [Theory]
    [MemberData(nameof(SarifSamples))]
    public void Each_sarif_sample_conforms_to_the_oasis_schema(string name)
    {
        using var document = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(SamplesDirectory, name)));
        var log = document.RootElement;

        // The schema's top level (sarifLog) is not a definition: check its few keys here, then every run against #/definitions/run.
        var allowed = Schema.Value.GetProperty("properties").EnumerateObject().Select(p => p.Name).ToHashSet(StringComparer.Ordinal);
        Assert.All(log.EnumerateObject(), p => Assert.Contains(p.Name, allowed));
        Assert.Equal("2.1.0", log.GetProperty("version").GetString());
        var check = new JsonSchemaCheck(Schema.Value);
        var problems = log.GetProperty("runs").EnumerateArray().SelectMany((run, i) => check.Validate(run, "run").Select(p => $"runs[{i}]{p[1..]}")).ToList();

        Assert.True(problems.Count == 0, $"{name}:\n{string.Join('\n', problems)}");
    }

    [Fact]
    public void The_schema_check_catches_a_sample_mistake()
    {
        using var document = JsonDocument.Parse("""{"tool": {"driver": {"name": "T"}}, "results": [{"ruleId": "x", "level": "critical", "message": {"text": "m"}, "severity": "high"}]}""");

        var problems = new JsonSchemaCheck(Schema.Value).Validate(document.RootElement, "run");

        Assert.Contains(problems, p => p.Contains("\"critical\" is not one of", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("property 'severity' is not allowed", StringComparison.Ordinal));
    }
}
