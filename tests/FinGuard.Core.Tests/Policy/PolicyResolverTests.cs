using System.Globalization;
using FinGuard.Core.Policy;
using FinGuard.Core.Policy.Yaml;

namespace FinGuard.Core.Tests.Policy;

public sealed class PolicyResolverTests
{
    private static PolicyDocument Organisation(string yaml) => Document(yaml, PolicyFileKind.Organisation);

    private static PolicyDocument Repository(string yaml) => Document(yaml, PolicyFileKind.Repository);

    private static PolicyDocument Document(string yaml, PolicyFileKind kind)
    {
        var result = PolicyFileParser.Parse("version: 1\n" + yaml.ReplaceLineEndings("\n"), kind);
        Assert.True(result.IsValid, string.Join("\n", result.Problems));
        return result.Document;
    }

    /// <summary>A resolved setting as text, by its policy-file path.</summary>
    private static string Value(FinGuardPolicy policy, string path) => path switch
    {
        "branches" => List(policy.Branches),
        "signed-commits.enabled" => Flag(policy.SignedCommits.Enabled),
        "signed-commits.allowed-kinds" => List(policy.SignedCommits.AllowedKinds.Select(k => k.ToString().ToLowerInvariant())),
        "signed-commits.allow-web-flow" => Flag(policy.SignedCommits.AllowWebFlow),
        "signed-commits.allowed-signers" => List(policy.SignedCommits.AllowedSigners),
        "separation-of-duties.enabled" => Flag(policy.SeparationOfDuties.Enabled),
        "separation-of-duties.required-approvals" => policy.SeparationOfDuties.RequiredApprovals.ToString(CultureInfo.InvariantCulture),
        "separation-of-duties.block-on-changes-requested" => Flag(policy.SeparationOfDuties.BlockOnChangesRequested),
        "separation-of-duties.exclude-approvers" => List(policy.SeparationOfDuties.ExcludedApprovers),
        "separation-of-duties.approver-teams" => List(policy.SeparationOfDuties.ApproverTeams),
        "separation-of-duties.last-pusher-cannot-approve" => Flag(policy.SeparationOfDuties.LastPusherCannotApprove),
        _ => throw new ArgumentOutOfRangeException(nameof(path), path, "not a setting"),
    };

    private static string Flag(bool value) => value ? "true" : "false";

    private static string List(IEnumerable<string> values) => $"[{string.Join(", ", values)}]";

    [Fact]
    public void No_files_give_the_safe_default_policy()
    {
        var resolution = PolicyResolver.Resolve(null, null);

        Assert.Empty(resolution.Problems);
        Assert.Equal(PolicyFileParserTests.PolicyJsonText(FinGuardPolicy.Default), PolicyFileParserTests.PolicyJsonText(resolution.Policy));
    }

    [Fact]
    public void Files_without_sections_give_the_safe_default_policy()
    {
        var resolution = PolicyResolver.Resolve(Organisation(string.Empty), Repository(string.Empty));

        Assert.Empty(resolution.Problems);
        Assert.Equal(PolicyFileParserTests.PolicyJsonText(FinGuardPolicy.Default), PolicyFileParserTests.PolicyJsonText(resolution.Policy));
    }

    public static TheoryData<string, string, string, string> Merges => new()
    {
        // Organisation only, or repository only: the file's values over the defaults.
        { "separation-of-duties:\n  required-approvals: 3\n", "", "separation-of-duties.required-approvals", "3" },
        { "", "separation-of-duties:\n  required-approvals: 1\n", "separation-of-duties.required-approvals", "1" },
        { "", "signed-commits:\n  enabled: false\n", "signed-commits.enabled", "false" },
        { "", "", "separation-of-duties.last-pusher-cannot-approve", "true" },
        { "", "separation-of-duties:\n  last-pusher-cannot-approve: false\n", "separation-of-duties.last-pusher-cannot-approve", "false" },

        // A section the organisation does not enforce: the repository's value wins, stronger or weaker.
        { "separation-of-duties:\n  required-approvals: 3\n", "separation-of-duties:\n  required-approvals: 1\n", "separation-of-duties.required-approvals", "1" },
        { "signed-commits:\n  enabled: true\n", "signed-commits:\n  enabled: false\n", "signed-commits.enabled", "false" },
        { "signed-commits:\n  allowed-kinds: [gpg]\n", "signed-commits:\n  allowed-kinds: [ssh, smime]\n", "signed-commits.allowed-kinds", "[ssh, smime]" },
        { "separation-of-duties:\n  exclude-approvers: [ci-admin]\n", "separation-of-duties:\n  exclude-approvers: [bob]\n", "separation-of-duties.exclude-approvers", "[bob]" },
        { "separation-of-duties:\n  approver-teams: [o/a]\n", "separation-of-duties:\n  approver-teams: [o/z]\n", "separation-of-duties.approver-teams", "[o/z]" },
        { "separation-of-duties:\n  required-approvals: 3\n", "separation-of-duties:\n  enabled: true\n", "separation-of-duties.required-approvals", "3" },

        // An enforced section: the repository may strengthen it.
        { "separation-of-duties:\n  enforced: true\n  required-approvals: 2\n", "separation-of-duties:\n  required-approvals: 4\n", "separation-of-duties.required-approvals", "4" },
        { "separation-of-duties:\n  enforced: true\n  block-on-changes-requested: false\n", "separation-of-duties:\n  block-on-changes-requested: true\n", "separation-of-duties.block-on-changes-requested", "true" },
        { "signed-commits:\n  enforced: true\n", "signed-commits:\n  allow-web-flow: false\n", "signed-commits.allow-web-flow", "false" },
        { "signed-commits:\n  enforced: true\n  enabled: false\n", "signed-commits:\n  enabled: true\n", "signed-commits.enabled", "true" },
        { "signed-commits:\n  enforced: true\n  allowed-kinds: [gpg, ssh]\n", "signed-commits:\n  allowed-kinds: [ssh]\n", "signed-commits.allowed-kinds", "[ssh]" },
        { "signed-commits:\n  enforced: true\n  allowed-signers: [alice, bob]\n", "signed-commits:\n  allowed-signers: [BOB]\n", "signed-commits.allowed-signers", "[bob]" },
        { "signed-commits:\n  enforced: true\n", "signed-commits:\n  allowed-signers: [carol]\n", "signed-commits.allowed-signers", "[carol]" },
        { "separation-of-duties:\n  enforced: true\n  exclude-approvers: [ci-admin]\n", "separation-of-duties:\n  exclude-approvers: [release-bot, CI-Admin]\n", "separation-of-duties.exclude-approvers", "[ci-admin, release-bot]" },
        { "separation-of-duties:\n  enforced: true\n  approver-teams: [o/a, o/b]\n", "separation-of-duties:\n  approver-teams: [o/b]\n", "separation-of-duties.approver-teams", "[o/b]" },
        { "separation-of-duties:\n  enforced: true\n", "separation-of-duties:\n  approver-teams: [o/z]\n", "separation-of-duties.approver-teams", "[o/z]" },

        // An enforced section the repository does not mention, or mentions other settings of: the organisation's values.
        { "separation-of-duties:\n  enforced: true\n  required-approvals: 3\n", "", "separation-of-duties.required-approvals", "3" },
        { "separation-of-duties:\n  enforced: true\n  required-approvals: 3\n", "separation-of-duties:\n  block-on-changes-requested: true\n", "separation-of-duties.required-approvals", "3" },

        // Branches: the union, and a repository can never drop the organisation's (or the default) branches.
        { "branches: [$default, release/*]\n", "branches: [hotfix/*, release/*]\n", "branches", "[$default, release/*, hotfix/*]" },
        { "", "branches: [release/**]\n", "branches", "[$default, release/**]" },
        { "branches: [main]\n", "", "branches", "[main]" },
    };

    [Theory]
    [MemberData(nameof(Merges))]
    public void Settings_merge_without_problems(string organisation, string repository, string setting, string expected)
    {
        var resolution = PolicyResolver.Resolve(Organisation(organisation), Repository(repository));

        Assert.Empty(resolution.Problems);
        Assert.Equal(expected, Value(resolution.Policy, setting));
    }

    public static TheoryData<string, string, string, string, int, string> Weakenings => new()
    {
        {
            "separation-of-duties:\n  enforced: true\n  required-approvals: 2\n",
            "# repo\nseparation-of-duties:\n  required-approvals: 1\n",
            "separation-of-duties.required-approvals", "2",
            4, "separation-of-duties.required-approvals: 1 is weaker than the organisation's enforced 2; using 2"
        },
        {
            "separation-of-duties:\n  enforced: true\n",
            "separation-of-duties:\n  required-approvals: 1\n",
            "separation-of-duties.required-approvals", "2",
            3, "separation-of-duties.required-approvals: 1 is weaker than the organisation's enforced 2; using 2"
        },
        {
            "separation-of-duties:\n  enforced: true\n",
            "separation-of-duties:\n  enabled: false\n",
            "separation-of-duties.enabled", "true",
            3, "separation-of-duties.enabled: false is weaker than the organisation's enforced true; using true"
        },
        {
            "signed-commits:\n  enforced: true\n",
            "signed-commits:\n  enabled: false\n",
            "signed-commits.enabled", "true",
            3, "signed-commits.enabled: false is weaker than the organisation's enforced true; using true"
        },
        {
            "separation-of-duties:\n  enforced: true\n",
            "separation-of-duties:\n  last-pusher-cannot-approve: false\n",
            "separation-of-duties.last-pusher-cannot-approve", "true",
            3, "separation-of-duties.last-pusher-cannot-approve: false is weaker than the organisation's enforced true; using true"
        },
        {
            "separation-of-duties:\n  enforced: true\n",
            "separation-of-duties:\n  block-on-changes-requested: false\n",
            "separation-of-duties.block-on-changes-requested", "true",
            3, "separation-of-duties.block-on-changes-requested: false is weaker than the organisation's enforced true; using true"
        },
        {
            "signed-commits:\n  enforced: true\n  allow-web-flow: false\n",
            "signed-commits:\n  allow-web-flow: true\n",
            "signed-commits.allow-web-flow", "false",
            3, "signed-commits.allow-web-flow: true is weaker than the organisation's enforced false; using false"
        },
        {
            "signed-commits:\n  enforced: true\n  allowed-kinds: [gpg, ssh]\n",
            "signed-commits:\n  allowed-kinds: [ssh, smime]\n",
            "signed-commits.allowed-kinds", "[ssh]",
            3, "signed-commits.allowed-kinds: smime is not allowed by the organisation's enforced [gpg, ssh]; using [ssh]"
        },
        {
            "signed-commits:\n  enforced: true\n  allowed-kinds: [gpg]\n",
            "signed-commits:\n  allowed-kinds: [ssh, smime]\n",
            "signed-commits.allowed-kinds", "[gpg]",
            3, "signed-commits.allowed-kinds: [ssh, smime] has nothing in common with the organisation's enforced [gpg]; using [gpg]"
        },
        {
            "signed-commits:\n  enforced: true\n  allowed-signers: [alice, bob]\n",
            "signed-commits:\n  allowed-signers: []\n",
            "signed-commits.allowed-signers", "[alice, bob]",
            3, "signed-commits.allowed-signers: [] (any signer) is weaker than the organisation's enforced [alice, bob]; using [alice, bob]"
        },
        {
            "signed-commits:\n  enforced: true\n  allowed-signers: [alice, bob]\n",
            "signed-commits:\n  allowed-signers: [bob, mallory]\n",
            "signed-commits.allowed-signers", "[bob]",
            3, "signed-commits.allowed-signers: mallory is not allowed by the organisation's enforced [alice, bob]; using [bob]"
        },
        {
            "signed-commits:\n  enforced: true\n  allowed-signers: [alice]\n",
            "signed-commits:\n  allowed-signers: [mallory]\n",
            "signed-commits.allowed-signers", "[alice]",
            3, "signed-commits.allowed-signers: [mallory] has nothing in common with the organisation's enforced [alice]; using [alice]"
        },
        {
            "separation-of-duties:\n  enforced: true\n  approver-teams: [o/a, o/b]\n",
            "separation-of-duties:\n  approver-teams: [o/b, o/z]\n",
            "separation-of-duties.approver-teams", "[o/a, o/b]",
            3, "separation-of-duties.approver-teams: o/z is not among the organisation's enforced [o/a, o/b]; using [o/a, o/b]"
        },
        {
            "separation-of-duties:\n  enforced: true\n  approver-teams: [o/a]\n",
            "separation-of-duties:\n  approver-teams: []\n",
            "separation-of-duties.approver-teams", "[o/a]",
            3, "separation-of-duties.approver-teams: [] (any team) is weaker than the organisation's enforced [o/a]; using [o/a]"
        },
    };

    [Theory]
    [MemberData(nameof(Weakenings))]
    public void Weakening_an_enforced_setting_keeps_the_stronger_value_and_reports_the_repository_line(
        string organisation, string repository, string setting, string expected, int line, string problem)
    {
        var resolution = PolicyResolver.Resolve(Organisation(organisation), Repository(repository));

        Assert.Equal(expected, Value(resolution.Policy, setting));
        Assert.Equal<PolicyProblem>([new PolicyProblem(line, 3, problem)], resolution.Problems);
    }

    [Fact]
    public void Every_weakening_in_a_repository_file_is_reported_in_file_order()
    {
        var organisation = Organisation("""
            signed-commits:
              enforced: true
              allowed-kinds: [gpg, ssh]
            separation-of-duties:
              enforced: true
              required-approvals: 2
            """);
        var repository = Repository("""
            separation-of-duties:
              required-approvals: 1
              enabled: false
            signed-commits:
              allowed-kinds: [smime]
              allow-web-flow: false
            """);

        var resolution = PolicyResolver.Resolve(organisation, repository);

        Assert.Equal(
            ["3:3", "4:3", "6:3"],
            resolution.Problems.Select(p => $"{p.Line}:{p.Column}"));
        var policy = resolution.Policy;
        Assert.True(policy.SeparationOfDuties.Enabled);
        Assert.Equal(2, policy.SeparationOfDuties.RequiredApprovals);
        Assert.Equal<SignatureKind>([SignatureKind.Gpg, SignatureKind.Ssh], policy.SignedCommits.AllowedKinds);
        Assert.False(policy.SignedCommits.AllowWebFlow);
    }

    [Fact]
    public void Enforcing_one_section_leaves_the_other_to_the_repository()
    {
        var organisation = Organisation("signed-commits:\n  enforced: true\nseparation-of-duties:\n  required-approvals: 3\n");
        var repository = Repository("signed-commits:\n  enabled: false\nseparation-of-duties:\n  enabled: false\n");

        var resolution = PolicyResolver.Resolve(organisation, repository);

        Assert.True(resolution.Policy.SignedCommits.Enabled);
        Assert.False(resolution.Policy.SeparationOfDuties.Enabled);
        Assert.Single(resolution.Problems);
    }

    [Fact]
    public void Enforced_in_a_repository_file_is_an_error_not_a_merge_input()
    {
        var result = PolicyFileParser.Parse("version: 1\nseparation-of-duties:\n  enforced: false\n", PolicyFileKind.Repository);

        Assert.False(result.IsValid);
        Assert.Equal(3, Assert.Single(result.Problems).Line);
    }

    [Fact]
    public void Resolution_is_deterministic_and_leaves_the_defaults_untouched()
    {
        var parsed = PolicyFileParser.Parse(File.ReadAllBytes(ExampleOrganisationFile), PolicyFileKind.Organisation);
        Assert.True(parsed.IsValid, string.Join("\n", parsed.Problems));
        var organisation = parsed.Document;
        var before = PolicyFileParserTests.PolicyJsonText(FinGuardPolicy.Default);

        var first = PolicyResolver.Resolve(organisation, null);
        var second = PolicyResolver.Resolve(organisation, null);

        Assert.Equal(PolicyFileParserTests.PolicyJsonText(first.Policy), PolicyFileParserTests.PolicyJsonText(second.Policy));
        Assert.Equal(before, PolicyFileParserTests.PolicyJsonText(FinGuardPolicy.Default));
    }

    private static string ExampleOrganisationFile
    {
        get
        {
            for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
            {
                var candidate = Path.Combine(directory.FullName, "docs", "examples", "policies", "org-defaults.yml");
                if (File.Exists(candidate))
                {
                    return candidate;
                }
            }

            throw new FileNotFoundException("docs/examples/policies/org-defaults.yml not found above the test output folder.");
        }
    }
}
