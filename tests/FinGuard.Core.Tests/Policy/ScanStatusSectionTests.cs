using FinGuard.Core.Policy.Yaml;
using FinGuard.Core.Scans;

namespace FinGuard.Core.Tests.Policy;

/// <summary>Reading and merging the <c>scan-status</c> section.</summary>
public sealed class ScanStatusSectionTests
{
    /// <summary>The example of docs/scans.md.</summary>
    internal const string Example = """
        version: 1
        scan-status:
          threshold: high
          fail-on-tool-errors: true
          required-checks:
            - CodeQL
            - name: semgrep
              app: github-actions
              allow: [success, neutral]
          artifacts:
            - name: security-results
              workflow: Security
              files: [semgrep.json, reports/trivy.sarif]
          waivers:
            - rule: python.lang.security.audit.eval-detected
              expires: 2027-01-31
              approved-by: ciso-jane
              reason: SEC-1234, input is a constant
            - fingerprint: 7f1c2a9b0d5e4f3a
              expires: 2026-12-31
              approved-by: ciso-jane
        """;

    private static PolicyParseResult Parse(string yaml, PolicyFileKind kind = PolicyFileKind.Repository) =>
        PolicyFileParser.Parse(yaml.ReplaceLineEndings("\n"), kind);

    [Fact]
    public void The_documented_example_reads_into_the_policy()
    {
        var parsed = Parse(Example);
        Assert.True(parsed.IsValid, string.Join("\n", parsed.Problems));

        var policy = PolicyResolver.Resolve(null, parsed.Document).Policy.ScanStatus;

        Assert.True(policy.Enabled);
        Assert.Equal(ScanSeverity.High, policy.Threshold);
        Assert.Equal(2, policy.RequiredChecks.Length);
        Assert.Equal(new RequiredCheck { Name = "CodeQL" }.Name, policy.RequiredChecks[0].Name);
        Assert.Equal<string>(["success"], policy.RequiredChecks[0].AllowedConclusions);
        Assert.Equal("github-actions", policy.RequiredChecks[1].App);
        Assert.Equal<string>(["success", "neutral"], policy.RequiredChecks[1].AllowedConclusions);
        var artifact = Assert.Single(policy.Artifacts);
        Assert.Equal("security-results", artifact.Name);
        Assert.Equal("Security", artifact.Workflow);
        Assert.Equal<string>(["semgrep.json", "reports/trivy.sarif"], artifact.Files);
        Assert.Equal(2, policy.Waivers.Length);
        Assert.Equal(new DateOnly(2027, 1, 31), policy.Waivers[0].Expires);
        Assert.Equal("SEC-1234, input is a constant", policy.Waivers[0].Reason);
        Assert.Equal("7f1c2a9b0d5e4f3a", policy.Waivers[1].Fingerprint);
        Assert.Null(policy.Waivers[1].Rule);
    }

    [Theory]
    [InlineData("threshold: severe\n", 3, 14, "scan-status.threshold: 'severe' is not a severity")]
    [InlineData("required-checks: CodeQL\n", 3, 20, "scan-status.required-checks: expected a list")]
    [InlineData("required-checks:\n    - name: CodeQL\n      allow: [failure]\n", 5, 15, "scan-status.required-checks[0].allow: 'failure' cannot be allowed")]
    [InlineData("required-checks:\n    - app: github-actions\n", 4, 7, "scan-status.required-checks[0].name: missing")]
    [InlineData("required-checks: [CodeQL, CodeQL]\n", 3, 29, "scan-status.required-checks[1]: is listed twice")]
    [InlineData("artifacts:\n    - name: results\n      files: [../etc/passwd]\n", 5, 15, "scan-status.artifacts[0].files: '../etc/passwd' is not a path inside the artifact")]
    [InlineData("artifacts:\n    - name: results\n", 4, 7, "scan-status.artifacts[0].files: missing")]
    [InlineData("waivers:\n    - rule: x\n      approved-by: ciso\n", 4, 7, "scan-status.waivers[0].expires: missing")]
    [InlineData("waivers:\n    - rule: x\n      expires: 31/12/2026\n      approved-by: ciso\n", 5, 16, "scan-status.waivers[0].expires: '31/12/2026' is not a date")]
    [InlineData("waivers:\n    - expires: 2026-12-31\n      approved-by: ciso\n", 4, 7, "scan-status.waivers[0]: a waiver names the rule, the fingerprint of one finding, or both")]
    [InlineData("waivers:\n    - rule: x\n      expires: 2026-12-31\n", 4, 7, "scan-status.waivers[0].approved-by: missing")]
    [InlineData("treshold: high\n", 3, 3, "unknown key 'treshold' in scan-status (did you mean 'threshold'?)")]
    public void Each_mistake_is_reported_at_its_line_and_column(string section, int line, int column, string message)
    {
        var yaml = "version: 1\nscan-status:\n  " + section.Replace("\n    ", "\n    ", StringComparison.Ordinal);

        var parsed = Parse(yaml);

        Assert.False(parsed.IsValid);
        var problem = Assert.Single(parsed.Problems);
        Assert.StartsWith(message, problem.Message, StringComparison.Ordinal);
        Assert.Equal((line, column), (problem.Line, problem.Column));
    }

    [Fact]
    public void Under_an_enforced_organisation_section_a_repository_can_only_strengthen_it()
    {
        var organisation = Parse("""
            version: 1
            scan-status:
              enforced: true
              threshold: high
              required-checks: [CodeQL]
              waivers:
                - rule: org.rule
                  expires: 2027-01-31
                  approved-by: ciso
            """, PolicyFileKind.Organisation);
        var repository = Parse("""
            version: 1
            scan-status:
              enabled: false
              threshold: critical
              fail-on-tool-errors: false
              required-checks: [semgrep]
              waivers:
                - rule: repo.rule
                  expires: 2027-01-31
                  approved-by: dev
            """);
        Assert.True(organisation.IsValid && repository.IsValid);

        var resolution = PolicyResolver.Resolve(organisation.Document, repository.Document);
        var policy = resolution.Policy.ScanStatus;

        Assert.True(policy.Enabled);
        Assert.Equal(ScanSeverity.High, policy.Threshold);
        Assert.True(policy.FailOnToolErrors);
        Assert.Equal<string>(["CodeQL", "semgrep"], policy.RequiredChecks.Select(c => c.Name));
        Assert.Equal("org.rule", Assert.Single(policy.Waivers).Rule);
        Assert.Equal(4, resolution.Problems.Length);
        Assert.Contains(resolution.Problems, p => p.Message.StartsWith("scan-status.threshold: 'critical' is weaker", StringComparison.Ordinal));
        Assert.Contains(resolution.Problems, p => p.Message.StartsWith("scan-status.waivers: the organisation enforces", StringComparison.Ordinal));
    }

    [Fact]
    public void A_repository_may_lower_the_threshold_of_an_enforced_section()
    {
        var organisation = Parse("version: 1\nscan-status:\n  enforced: true\n  threshold: high\n", PolicyFileKind.Organisation);
        var repository = Parse("version: 1\nscan-status:\n  threshold: medium\n");

        var resolution = PolicyResolver.Resolve(organisation.Document, repository.Document);

        Assert.Empty(resolution.Problems);
        Assert.Equal(ScanSeverity.Medium, resolution.Policy.ScanStatus.Threshold);
    }

    [Fact]
    public void Without_enforcement_the_repository_file_replaces_the_organisation_settings()
    {
        var organisation = Parse("version: 1\nscan-status:\n  required-checks: [CodeQL]\n", PolicyFileKind.Organisation);
        var repository = Parse("version: 1\nscan-status:\n  required-checks: [semgrep]\n  threshold: critical\n");

        var policy = PolicyResolver.Resolve(organisation.Document, repository.Document).Policy.ScanStatus;

        Assert.Equal("semgrep", Assert.Single(policy.RequiredChecks).Name);
        Assert.Equal(ScanSeverity.Critical, policy.Threshold);
    }
}
