using System.Collections.Immutable;
using System.Text;
using FinGuard.Core.Policy;
using FinGuard.Core.Policy.Yaml;

namespace FinGuard.Core.Tests.Policy;

public sealed class PolicyFileParserTests
{
    /// <summary>The file of docs/policy.md's reference, every key set.</summary>
    internal const string FullOrganisationFile = """
        version: 1
        branches: [$default, release/*]
        signed-commits:
          enabled: true
          enforced: true
          allowed-kinds: [gpg, ssh, smime]
          allow-web-flow: true
          allowed-signers: [alice]
        separation-of-duties:
          enabled: true
          enforced: true
          required-approvals: 2
          block-on-changes-requested: true
          exclude-approvers: [ci-admin]
          approver-teams: [octo-org/payments-reviewers]
        """;

    private static PolicyParseResult Parse(string yaml, PolicyFileKind kind = PolicyFileKind.Repository) =>
        PolicyFileParser.Parse(yaml.ReplaceLineEndings("\n"), kind);

    [Fact]
    public void A_full_organisation_file_sets_every_setting_with_its_position()
    {
        var result = Parse(FullOrganisationFile, PolicyFileKind.Organisation);

        Assert.Empty(result.Problems);
        Assert.True(result.IsValid);
        var document = result.Document;
        Assert.Equal(PolicyFileKind.Organisation, document.Kind);
        Assert.Equal<string>(["$default", "release/*"], document.Branches!.Value);
        Assert.Equal((2, 1), (document.Branches.Line, document.Branches.Column));

        var signed = document.SignedCommits!;
        Assert.Equal((3, 1), (signed.Line, signed.Column));
        Assert.True(signed.IsEnforced);
        Assert.Equal(new PolicySetting<bool>(true, 4, 3), signed.Enabled);
        Assert.Equal<SignatureKind>([SignatureKind.Gpg, SignatureKind.Ssh, SignatureKind.Smime], signed.AllowedKinds!.Value);
        Assert.Equal(new PolicySetting<bool>(true, 7, 3), signed.AllowWebFlow);
        Assert.Equal<string>(["alice"], signed.AllowedSigners!.Value);

        var duties = document.SeparationOfDuties!;
        Assert.True(duties.IsEnforced);
        Assert.Equal(new PolicySetting<int>(2, 12, 3), duties.RequiredApprovals);
        Assert.Equal(new PolicySetting<bool>(true, 13, 3), duties.BlockOnChangesRequested);
        Assert.Equal<string>(["ci-admin"], duties.ExcludedApprovers!.Value);
        Assert.Equal<string>(["octo-org/payments-reviewers"], duties.ApproverTeams!.Value);
    }

    [Fact]
    public void The_full_file_as_a_repository_file_reports_each_enforced_line()
    {
        var result = Parse(FullOrganisationFile, PolicyFileKind.Repository);

        Assert.False(result.IsValid);
        Assert.Null(result.Document);
        Assert.Equal<PolicyProblem>(
            [
                new PolicyProblem(5, 3, "signed-commits.enforced: only the organisation's policy file (finguard.yml in the organisation's .github repository) can enforce a section; remove this line from the repository file"),
                new PolicyProblem(11, 3, "separation-of-duties.enforced: only the organisation's policy file (finguard.yml in the organisation's .github repository) can enforce a section; remove this line from the repository file"),
            ],
            result.Problems);
    }

    [Fact]
    public void A_file_with_only_a_version_sets_nothing_and_resolves_to_the_safe_defaults()
    {
        var result = Parse("version: 1\n");

        Assert.True(result.IsValid);
        Assert.Null(result.Document.Branches);
        Assert.Null(result.Document.SignedCommits);
        Assert.Null(result.Document.SeparationOfDuties);
        var policy = PolicyResolver.Resolve(null, result.Document).Policy;
        Assert.Equal(PolicyJsonText(FinGuardPolicy.Default), PolicyJsonText(policy));
        Assert.Equal<string>(["$default"], policy.Branches);
        Assert.True(policy.SignedCommits.Enabled);
        Assert.Equal(2, policy.SeparationOfDuties.RequiredApprovals);
    }

    [Fact]
    public void Absent_settings_of_a_present_section_stay_unset()
    {
        var result = Parse("version: 1\nseparation-of-duties:\n  required-approvals: 3\n");

        Assert.True(result.IsValid);
        var duties = result.Document.SeparationOfDuties!;
        Assert.Equal(3, duties.RequiredApprovals!.Value);
        Assert.Null(duties.Enabled);
        Assert.Null(duties.BlockOnChangesRequested);
        Assert.Null(duties.Enforced);
        Assert.Null(result.Document.SignedCommits);
    }

    [Theory]
    [InlineData("\uFEFFversion: 1\n")]
    [InlineData("%YAML 1.2\n---\nversion: 1\n...\n")]
    [InlineData("{version: 1, branches: [main], signed-commits: {enabled: false}}")]
    [InlineData("\"version\": 1\n'branches':\n  - \"main\"\n  - 'release/**'\n")]
    [InlineData("version: +1\nsigned-commits:\n  enabled: FALSE\n  allowed-kinds:\n    - ssh\n")]
    [InlineData("# Policy\nversion: 1 # the format\n\nbranches: [$default] # only the default branch\n")]
    [InlineData("version: 1\nseparation-of-duties:\n  exclude-approvers:\n    - release-bot[bot]\n    - Alice-Smith\n  approver-teams: [octo-org/team_1.x]\n")]
    [InlineData("version: 1\nsigned-commits: {}\nseparation-of-duties: {}\n")]
    public void Well_formed_variants_are_accepted(string yaml)
    {
        var result = Parse(yaml);

        Assert.Empty(result.Problems);
        Assert.True(result.IsValid);
    }

    public static TheoryData<string, string, int, int, string> Errors => new()
    {
        {
            "unknown key with suggestion", "version: 1\nsigned-commit:\n  enabled: true\n",
            2, 1, "unknown key 'signed-commit' at the top level (did you mean 'signed-commits'?)"
        },
        {
            "unknown key in a section, snake_case", "version: 1\nseparation-of-duties:\n  required_approvals: 2\n",
            3, 3, "unknown key 'required_approvals' in separation-of-duties (did you mean 'required-approvals'?)"
        },
        {
            "unknown key named after the C# property", "version: 1\nseparation-of-duties:\n  excluded-approvers: [bob]\n",
            3, 3, "unknown key 'excluded-approvers' in separation-of-duties (did you mean 'exclude-approvers'?)"
        },
        {
            "unknown key without a close name", "version: 1\ncolour: blue\n",
            2, 1, "unknown key 'colour' at the top level (expected one of: version, branches, signed-commits, separation-of-duties, scan-status, freeze-window, deployments)"
        },
        {
            "a string where a list is expected", "version: 1\nbranches: main\n",
            2, 11, "branches: expected a list, got 'main'; write [main] for a list of one"
        },
        {
            "an empty value where a list is expected", "version: 1\nsigned-commits:\n  allowed-signers:\n",
            3, 19, "signed-commits.allowed-signers: expected a list, got an empty value; write [] for an empty list"
        },
        {
            "a list entry that is a list", "version: 1\nbranches: [[main]]\n",
            2, 12, "branches: list entries must be text, got a list"
        },
        {
            "a word where a number is expected", "version: 1\nseparation-of-duties:\n  required-approvals: two\n",
            3, 23, "separation-of-duties.required-approvals: expected a whole number from 1 to 10, got 'two'"
        },
        {
            "a quoted number", "version: 1\nseparation-of-duties:\n  required-approvals: \"2\"\n",
            3, 23, "separation-of-duties.required-approvals: expected a whole number from 1 to 10, got the quoted string '2'; remove the quotes"
        },
        {
            "zero approvals", "version: 1\nseparation-of-duties:\n  required-approvals: 0\n",
            3, 23, "separation-of-duties.required-approvals: must be at least 1, got 0; to switch the control off write 'enabled: false'"
        },
        {
            "more than 10 approvals", "version: 1\nseparation-of-duties:\n  required-approvals: 11\n",
            3, 23, "separation-of-duties.required-approvals: must be at most 10, got 11"
        },
        {
            "a number beyond 64 bits", "version: 1\nseparation-of-duties:\n  required-approvals: 99999999999999999999\n",
            3, 23, "separation-of-duties.required-approvals: must be at most 10, got 9223372036854775807"
        },
        {
            "yes for a boolean", "version: 1\nsigned-commits:\n  enabled: yes\n",
            3, 12, "signed-commits.enabled: expected true or false, got 'yes'; write true"
        },
        {
            "a quoted boolean", "version: 1\nsigned-commits:\n  allow-web-flow: 'false'\n",
            3, 19, "signed-commits.allow-web-flow: expected true or false, got the quoted string 'false'; remove the quotes"
        },
        {
            "an unknown signature kind", "version: 1\nsigned-commits:\n  allowed-kinds: [gpg, pgp]\n",
            3, 24, "signed-commits.allowed-kinds: unknown signature kind 'pgp' (did you mean 'gpg'? allowed: gpg, ssh, smime)"
        },
        {
            "a misspelt signature kind", "version: 1\nsigned-commits:\n  allowed-kinds: [smine]\n",
            3, 19, "signed-commits.allowed-kinds: unknown signature kind 'smine' (did you mean 'smime'? allowed: gpg, ssh, smime)"
        },
        {
            "empty allowed-kinds", "version: 1\nsigned-commits:\n  allowed-kinds: []\n",
            3, 18, "signed-commits.allowed-kinds: cannot be empty: no commit could pass; to switch the control off write 'enabled: false'"
        },
        {
            "a team without its organisation", "version: 1\nseparation-of-duties:\n  approver-teams: [payments]\n",
            3, 20, "separation-of-duties.approver-teams: 'payments' must name its organisation too: write org/team-slug, e.g. octo-org/payments"
        },
        {
            "a team written with @", "version: 1\nseparation-of-duties:\n  approver-teams: ['@octo-org/payments']\n",
            3, 20, "separation-of-duties.approver-teams: '@octo-org/payments': write teams without '@' (octo-org/payments)"
        },
        {
            "a login written with @", "version: 1\nsigned-commits:\n  allowed-signers: ['@alice']\n",
            3, 21, "signed-commits.allowed-signers: '@alice': write GitHub logins without '@' (alice)"
        },
        {
            "a login with a space", "version: 1\nseparation-of-duties:\n  exclude-approvers: [ci admin]\n",
            3, 23, "separation-of-duties.exclude-approvers: 'ci admin' is not a GitHub login (letters, digits and single hyphens, at most 39 characters)"
        },
        {
            "a login entered twice", "version: 1\nsigned-commits:\n  allowed-signers: [alice, Alice]\n",
            3, 28, "signed-commits.allowed-signers: 'Alice' is listed twice (also at 3:21); keep one"
        },
        {
            "a branch as a ref", "version: 1\nbranches: [refs/heads/main]\n",
            2, 12, "branches: 'refs/heads/main': write the branch name without refs/heads/ (main)"
        },
        {
            "an unknown branch token", "version: 1\nbranches: [$main]\n",
            2, 12, "branches: '$main' is not a branch pattern; the only token is $default (the repository's default branch)"
        },
        {
            "a branch pattern with ?", "version: 1\nbranches: [release-?]\n",
            2, 12, "branches: 'release-?' is not a branch name or pattern (only * and ** are wildcards; spaces, ~ ^ : ? [ \\ and '..' cannot appear in branch names)"
        },
        {
            "empty branches", "version: 1\nbranches: []\n",
            2, 11, "branches: cannot be empty: FinGuard would check no pull request; list at least $default"
        },
        {
            "a section written as a value", "version: 1\nsigned-commits: true\n",
            2, 17, "signed-commits: expected a section of settings (key: value lines indented below it), got 'true'"
        },
        {
            "a section with nothing below it", "version: 1\nseparation-of-duties:\nbranches: [main]\n",
            2, 22, "separation-of-duties: expected a section of settings (key: value lines indented below it), got an empty value; indent the section's settings below it, or remove the key to use the defaults"
        },
        {
            "enforced in a repository file", "version: 1\nsigned-commits:\n  enforced: true\n",
            3, 3, "signed-commits.enforced: only the organisation's policy file (finguard.yml in the organisation's .github repository) can enforce a section; remove this line from the repository file"
        },
        {
            "a duplicate key", "version: 1\nbranches: [main]\nbranches: [dev]\n",
            3, 1, "duplicate key 'branches': it is already set at 2:1; keep one of them"
        },
        {
            "a duplicate key in a section", "version: 1\nsigned-commits:\n  enabled: true\n  enabled: false\n",
            4, 3, "duplicate key 'enabled': it is already set at 3:3; keep one of them"
        },
        {
            "a key that is a list", "version: 1\n? [a, b]\n: c\n",
            2, 3, "keys must be plain names, not a list"
        },
        { "an empty file", "", 1, 1, "the file is empty; a policy file starts with 'version: 1'" },
        { "only comments", "# TODO\n\n# later\n", 1, 1, "the file is empty; a policy file starts with 'version: 1'" },
        { "an empty document", "---\n", 1, 1, "the file has no settings; a policy file starts with 'version: 1'" },
        {
            "a list at the top level", "- version: 1\n",
            1, 1, "the top level must be 'key: value' settings (version, branches, signed-commits, separation-of-duties), got a list"
        },
        {
            "text at the top level", "finguard\n",
            1, 1, "the top level must be 'key: value' settings (version, branches, signed-commits, separation-of-duties), got 'finguard'"
        },
        { "no version", "branches: [main]\n", 1, 1, "version: missing; add 'version: 1' at the top of the file" },
        { "version 2, other keys unchecked", "version: 2\nsigned-commits: {new-thing: 1}\n", 1, 10, "version: this FinGuard reads version 1 policy files, not version 2" },
        { "version 0", "version: 0\n", 1, 10, "version: this FinGuard reads version 1 policy files, not version 0" },
        { "a quoted version", "version: '1'\n", 1, 10, "version: expected 1, got the quoted string '1'" },
        { "a decimal version", "version: 1.0\n", 1, 10, "version: expected 1, got '1.0'" },
        {
            "a second document", "version: 1\n---\nversion: 1\n",
            2, 1, "a policy file holds a single YAML document; remove this '---' and what follows, or merge it into the first document"
        },
        {
            "a tag", "version: !!int 1\n",
            1, 10, "YAML tags (tag:yaml.org,2002:int) are not allowed in a policy file; remove the tag"
        },
    };

    [Theory]
    [MemberData(nameof(Errors))]
    public void Each_kind_of_mistake_is_one_problem_at_its_line_and_column(string mistake, string yaml, int line, int column, string message)
    {
        var result = Parse(yaml);

        Assert.False(result.IsValid, mistake);
        Assert.Null(result.Document);
        Assert.Equal<PolicyProblem>([new PolicyProblem(line, column, message)], result.Problems);
    }

    [Theory]
    [InlineData("version: 1\nbranches: [main\n", 3, 1)]
    [InlineData("version: 1\nsigned-commits:\n  enabled: true\n enabled: false\n", 4, 2)]
    [InlineData("version: 1\nbranches: main: dev\n", 2, 15)]
    [InlineData("version: 1\nsigned-commits:\n  allowed-kinds: [gpg, \"ssh]\n", 3, 24)]
    [InlineData("version: 1\nbranches: [main]]\n", 2, 17)]
    [InlineData("version: 1\n  branches: [main]\n", 2, 11)]
    public void YAML_syntax_errors_are_reported_where_the_parser_stopped(string yaml, int line, int column)
    {
        var result = Parse(yaml);

        var problem = Assert.Single(result.Problems);
        Assert.Equal((line, column), (problem.Line, problem.Column));
        Assert.StartsWith("YAML syntax error: ", problem.Message, StringComparison.Ordinal);
        Assert.Null(result.Document);
    }

    [Theory]
    [InlineData("version: 1\nbranches: [main\nsigned-commits:\n  enabled: true\n", 2, 11, "YAML syntax error: the list opened here is not closed with ']', or a line after it is indented less than it")]
    [InlineData("version: 1\nsigned-commits:\n  allowed-kinds: [gpg\n allow-web-flow: true\n", 3, 18, "YAML syntax error: the list opened here is not closed with ']', or a line after it is indented less than it")]
    [InlineData("version: 1\nsigned-commits: {enabled: true, allowed-kinds: [gpg]\nbranches: [main]\n", 2, 17, "YAML syntax error: the mapping opened here is not closed with '}', or a line after it is indented less than it")]
    public void An_unclosed_bracket_before_a_less_indented_line_is_reported_at_the_bracket(string yaml, int line, int column, string message)
    {
        // YamlDotNet throws InvalidOperationException here rather than a syntax error.
        Assert.Equal<PolicyProblem>([new PolicyProblem(line, column, message)], Parse(yaml).Problems);
    }

    [Fact]
    public void Several_problems_are_all_reported_in_file_order()
    {
        var result = Parse("version: 1\nseparation-of-duties:\n  required-approvals: 0\n  approver-teams: [payments]\nsigned-commits:\n  allowed-kinds: []\n  enabeld: true\n");

        Assert.Equal<(int, int)>(
            [(3, 23), (4, 20), (6, 18), (7, 3)],
            result.Problems.Select(p => (p.Line, p.Column)));
        Assert.Contains("did you mean 'enabled'?", result.Problems[^1].Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Anchors_and_aliases_are_refused()
    {
        var result = Parse("version: 1\nsigned-commits: &signed\n  enabled: true\nseparation-of-duties: *signed\n");

        Assert.Equal<PolicyProblem>(
            [
                new PolicyProblem(2, 17, "anchors (&signed) are not allowed in a policy file; write each value out in full"),
                new PolicyProblem(4, 23, "aliases (*signed) are not allowed in a policy file; write the value out in full"),
            ],
            result.Problems);
    }

    [Fact]
    public void A_billion_laughs_file_is_refused_without_expanding_anything()
    {
        var yaml = new StringBuilder("version: 1\na: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n");
        for (var level = 'b'; level <= 'i'; level++)
        {
            var previous = (char)(level - 1);
            yaml.Append(level).Append(": &").Append(level).Append(" [")
                .AppendJoin(",", Enumerable.Repeat($"*{previous}", 9)).Append("]\n");
        }

        var result = Parse(yaml.ToString());

        // Each anchored node is refused and skipped whole, so the aliases inside are never even looked at.
        Assert.False(result.IsValid);
        Assert.Equal(9, result.Problems.Count(p => p.Message.StartsWith("anchors (&", StringComparison.Ordinal)));
        Assert.Equal(9, result.Problems.Count(p => p.Message.StartsWith("unknown key", StringComparison.Ordinal)));
        Assert.Equal(18, result.Problems.Length);
    }

    [Fact]
    public void Nesting_deeper_than_the_limit_is_refused_once()
    {
        var yaml = "version: 1\nbranches: " + new string('[', 40) + "main" + new string(']', 40) + "\n";

        var result = Parse(yaml);

        Assert.Equal<PolicyProblem>(
            [
                new PolicyProblem(2, 12, "branches: list entries must be text, got a list"),
                new PolicyProblem(2, 26, "the value is nested more than 16 levels deep; a policy file needs at most 3"),
            ],
            result.Problems);
    }

    [Fact]
    public void Thousands_of_flow_brackets_are_refused_before_YAML_parsing_which_is_quadratic_in_them()
    {
        var result = Parse("version: 1\nbranches: " + new string('[', 200_000));

        Assert.Equal<PolicyProblem>(
            [new PolicyProblem(2, 1011, "the file has more than 1000 '[' and '{' characters; a policy file needs a handful (write long lists one '- entry' per line)")],
            result.Problems);
    }

    [Fact]
    public void A_thousand_flow_brackets_are_still_read()
    {
        var yaml = "version: 1\nbranches: [main]\n" + string.Concat(Enumerable.Repeat("# [x] {y}\n", 499));

        Assert.True(Parse(yaml).IsValid);
    }

    [Fact]
    public void A_file_over_256_KiB_is_refused_before_parsing()
    {
        var yaml = "version: 1\n" + string.Concat(Enumerable.Repeat("# padding padding padding padding padding padding\n", 6000));
        Assert.True(Encoding.UTF8.GetByteCount(yaml) > PolicyFileParser.MaxFileBytes);

        var fromText = Parse(yaml);
        var fromBytes = PolicyFileParser.Parse(Encoding.UTF8.GetBytes(yaml), PolicyFileKind.Repository);

        var expected = new PolicyProblem(1, 1, "the file is larger than 256 KiB (262144 bytes), the limit for policy files");
        Assert.Equal<PolicyProblem>([expected], fromText.Problems);
        Assert.Equal<PolicyProblem>([expected], fromBytes.Problems);
    }

    [Fact]
    public void A_file_of_exactly_256_KiB_is_read()
    {
        var head = "version: 1\n";
        var yaml = head + new string('#', PolicyFileParser.MaxFileBytes - head.Length - 1) + "\n";

        Assert.True(PolicyFileParser.Parse(Encoding.UTF8.GetBytes(yaml), PolicyFileKind.Repository).IsValid);
    }

    [Fact]
    public void Invalid_UTF8_is_reported_at_the_bad_byte()
    {
        byte[] bytes = [.. "version: 1\nbranches: [ma"u8, 0xC3, 0x28, .. "in]\n"u8];

        var result = PolicyFileParser.Parse(bytes, PolicyFileKind.Repository);

        Assert.Equal<PolicyProblem>([new PolicyProblem(2, 14, "the file is not valid UTF-8 (byte 25 of the text); save it as UTF-8")], result.Problems);
    }

    [Fact]
    public void UTF16_is_refused_and_a_UTF8_byte_order_mark_is_accepted()
    {
        var utf16 = PolicyFileParser.Parse(Encoding.Unicode.GetPreamble().Concat(Encoding.Unicode.GetBytes("version: 1\n")).ToArray(), PolicyFileKind.Repository);
        var utf8 = PolicyFileParser.Parse([0xEF, 0xBB, 0xBF, .. "version: 1\n"u8], PolicyFileKind.Repository);

        Assert.Equal<PolicyProblem>([new PolicyProblem(1, 1, "the file is UTF-16; save it as UTF-8")], utf16.Problems);
        Assert.True(utf8.IsValid);
    }

    [Fact]
    public void Problems_render_as_line_colon_column()
    {
        Assert.Equal("3:23: boom", new PolicyProblem(3, 23, "boom").ToString());
    }

    internal static string PolicyJsonText(FinGuardPolicy policy) => PolicyJsonContext.ToElement(policy).GetRawText();

    internal static ImmutableArray<string> Texts(IEnumerable<PolicyProblem> problems) => [.. problems.Select(p => p.ToString())];
}
