using FinGuard.Core.Policy;
using FinGuard.Core.Policy.Yaml;

namespace FinGuard.Core.Tests.Policy;

public sealed class ApprovalRulesPolicyTests
{
    private const string Rules = """
        version: 1
        separation-of-duties:
          code-owners: true
          approval-rules:
            - name: Database migrations
              paths: ["db/migrations/**"]
              added-lines-match: ['(?i)\b(drop|truncate)\s+table\b', '(?i)\balter\s+table\b.*\bdrop\b']
              required-approvals: 1
              approver-teams: [bank/dba]
            - name: Infrastructure
              paths: ["infra/**", "**/*.bicep"]
              required-approvals: 2
              approver-teams: [bank/platform]
        """;

    private static PolicyParseResult Parse(string yaml, PolicyFileKind kind = PolicyFileKind.Repository) =>
        PolicyFileParser.Parse(yaml.ReplaceLineEndings("\n"), kind);

    [Fact]
    public void Rules_and_code_owners_are_read()
    {
        var parsed = Parse(Rules);

        Assert.True(parsed.IsValid, string.Join("\n", parsed.Problems));
        var policy = PolicyResolver.Resolve(null, parsed.Document).Policy.SeparationOfDuties;
        Assert.True(policy.CodeOwners);
        Assert.Equal(["Database migrations", "Infrastructure"], policy.ApprovalRules.Select(r => r.Name));
        Assert.Equal(2, policy.ApprovalRules[0].AddedLinesMatch.Length);
        Assert.Equal(2, policy.ApprovalRules[1].RequiredApprovals);
        Assert.Equal<string>(["bank/platform"], policy.ApprovalRules[1].ApproverTeams);
    }

    [Fact]
    public void Defaults_are_no_code_owners_and_no_rules()
    {
        Assert.False(FinGuardPolicy.Default.SeparationOfDuties.CodeOwners);
        Assert.Empty(FinGuardPolicy.Default.SeparationOfDuties.ApprovalRules);
        Assert.False(FinGuardPolicy.Default.SeparationOfDuties.NeedsChangedFiles);
    }

    [Theory]
    [InlineData("      added-lines-match: ['(?i)drop (table']\n", 6, 27, "is not a .NET regular expression")]
    [InlineData("      paths: []\n", 5, 14, "cannot be empty")]
    [InlineData("      paths: [/db/**]\n", 5, 15, "without the leading '/'")]
    [InlineData("      required-approvals: 0\n", 6, 27, "from 1 to 10")]
    [InlineData("      approver-teams: [dba]\n", 6, 24, "must name its organisation")]
    [InlineData("      reviewers: 2\n", 6, 7, "unknown key 'reviewers'")]
    public void Mistakes_are_problems_at_their_line_and_column(string extra, int line, int column, string message)
    {
        var yaml = "version: 1\nseparation-of-duties:\n  approval-rules:\n    - name: Migrations\n" + (extra.Contains("paths", StringComparison.Ordinal) ? "" : "      paths: [\"db/**\"]\n") + extra;

        var parsed = Parse(yaml);

        Assert.False(parsed.IsValid);
        var problem = Assert.Single(parsed.Problems);
        Assert.Equal((line, column), (problem.Line, problem.Column));
        Assert.Contains(message, problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_rule_needs_a_unique_name_and_paths()
    {
        var parsed = Parse("version: 1\nseparation-of-duties:\n  approval-rules:\n    - name: A\n      paths: [a/**]\n    - name: a\n      paths: [b/**]\n    - required-approvals: 2\n");

        Assert.True(parsed.Problems.Length == 3, string.Join("\n", parsed.Problems));
        Assert.Collection(
            parsed.Problems,
            p => Assert.Contains("'a' is already the name of another rule (at 4:13)", p.Message, StringComparison.Ordinal),
            p => Assert.Contains("name: missing", p.Message, StringComparison.Ordinal),
            p => Assert.Contains("paths: missing", p.Message, StringComparison.Ordinal));
    }

    [Fact]
    public void An_enforced_organisation_keeps_its_rules_and_code_owners()
    {
        var organisation = Parse("version: 1\nseparation-of-duties:\n  enforced: true\n  code-owners: true\n  approval-rules:\n    - name: Migrations\n      paths: [db/**]\n", PolicyFileKind.Organisation);
        var repository = Parse("version: 1\nseparation-of-duties:\n  code-owners: false\n  approval-rules:\n    - name: Migrations\n      paths: [db/seed/**]\n    - name: Docs\n      paths: [docs/**]\n");

        var resolution = PolicyResolver.Resolve(organisation.Document, repository.Document);

        var policy = resolution.Policy.SeparationOfDuties;
        Assert.True(policy.CodeOwners);
        Assert.Equal(["db/**", "db/seed/**", "docs/**"], policy.ApprovalRules.SelectMany(r => r.Paths));
        Assert.Collection(
            resolution.Problems,
            p => Assert.Contains("code-owners: false is weaker than the organisation's enforced true", p.Message, StringComparison.Ordinal),
            p => Assert.Contains("'Migrations' is a rule of the organisation's enforced separation-of-duties", p.Message, StringComparison.Ordinal));
    }

    [Fact]
    public void Without_enforcement_the_repository_list_replaces_the_organisations()
    {
        var organisation = Parse("version: 1\nseparation-of-duties:\n  approval-rules:\n    - name: Migrations\n      paths: [db/**]\n", PolicyFileKind.Organisation);
        var repository = Parse("version: 1\nseparation-of-duties:\n  approval-rules: []\n");

        var policy = PolicyResolver.Resolve(organisation.Document, repository.Document).Policy.SeparationOfDuties;

        Assert.Empty(policy.ApprovalRules);
    }

    [Fact]
    public void The_resolved_rules_round_trip_through_evidence_json()
    {
        var policy = PolicyResolver.Resolve(null, Parse(Rules).Document).Policy;

        var copy = PolicyJsonContext.FromElement(PolicyJsonContext.ToElement(policy));

        Assert.Equal(PolicyJsonContext.ToElement(policy).GetRawText(), PolicyJsonContext.ToElement(copy).GetRawText());
        Assert.Contains("\"approvalRules\"", PolicyJsonContext.ToElement(policy).GetRawText(), StringComparison.Ordinal);
    }
}
