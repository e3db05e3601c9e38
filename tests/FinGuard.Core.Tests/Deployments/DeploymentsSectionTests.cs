using FinGuard.Core.Deployments;
using FinGuard.Core.Policy;
using FinGuard.Core.Policy.Yaml;

namespace FinGuard.Core.Tests.Deployments;

/// <summary>Reading the <c>deployments</c> section strictly, and merging the organisation's and the repository's.</summary>
public sealed class DeploymentsSectionTests
{
    /// <summary>The example of docs/deployments.md.</summary>
    internal const string Example = """
        version: 1
        deployments:
          environments:
            production:
              required-approvals: 2
              allowed-refs:
                branches: [$default, release/*]
                tags: [v*]
              require-pr-decision: evidence
              freeze-windows: inherit
            staging:
              required-approvals: 1
              allowed-refs:
                branches: ["**"]
              require-pr-decision: evaluate-now
              freeze-windows: [Month-end close]
              during-freeze: reject
            preview: {}
        """;

    private static PolicyParseResult Parse(string yaml, PolicyFileKind kind = PolicyFileKind.Repository) =>
        PolicyFileParser.Parse(yaml.ReplaceLineEndings("\n"), kind);

    private static List<string> Problems(string yaml, PolicyFileKind kind = PolicyFileKind.Repository) =>
        [.. Parse(yaml, kind).Problems.Select(p => p.ToString())];

    private static (DeploymentsPolicy Policy, List<string> Problems) Resolve(string? organisation, string? repository)
    {
        var org = organisation is null ? null : Parse(organisation, PolicyFileKind.Organisation);
        var repo = repository is null ? null : Parse(repository);
        Assert.True(org?.IsValid ?? true, string.Join("\n", org?.Problems ?? []));
        Assert.True(repo?.IsValid ?? true, string.Join("\n", repo?.Problems ?? []));
        var resolution = PolicyResolver.Resolve(org?.Document, repo?.Document);
        return (resolution.Policy.Deployments, [.. resolution.Problems.Select(p => p.ToString())]);
    }

    [Fact]
    public void The_documented_example_reads_every_setting_with_its_position()
    {
        var result = Parse(Example);

        Assert.Empty(result.Problems);
        var section = result.Document!.Deployments!;
        Assert.Equal((2, 1), (section.Line, section.Column));
        var environments = section.Environments!.Value;
        Assert.Equal(["production", "staging", "preview"], environments.Select(e => e.Name.Value));
        var production = environments[0];
        Assert.Equal((4, 5), (production.Name.Line, production.Name.Column));
        Assert.Equal(new PolicySetting<int>(2, 5, 7), production.RequiredApprovals);
        Assert.Equal<string>(["$default", "release/*"], production.AllowedBranches!.Value);
        Assert.Equal<string>(["v*"], production.AllowedTags!.Value);
        Assert.Equal(new PolicySetting<PullRequestDecisionSource>(PullRequestDecisionSource.Evidence, 9, 7), production.RequirePullRequestDecision);
        Assert.Null(production.FreezeWindows!.Value);
        Assert.Equal<string>(["Month-end close"], environments[1].FreezeWindows!.Value!.Value);
        Assert.Equal(PullRequestDecisionSource.EvaluateNow, environments[1].RequirePullRequestDecision!.Value);
        Assert.Null(environments[2].RequiredApprovals);
        Assert.Null(production.DuringFreeze);
        Assert.Equal(new PolicySetting<DuringFreeze>(DuringFreeze.Reject, 17, 7), environments[1].DuringFreeze);
    }

    [Fact]
    public void Resolved_environments_have_their_settings_and_unlisted_ones_the_safe_defaults()
    {
        var (policy, problems) = Resolve(null, Example);

        Assert.Empty(problems);
        var production = policy.For("Production");
        Assert.Equal("production", production.Name);
        Assert.Equal<string>(["$default", "release/*"], production.AllowedBranches);
        Assert.Null(production.FreezeWindows);
        var staging = policy.For("staging");
        Assert.Equal(1, staging.RequiredApprovals);
        Assert.Equal<string>(["**"], staging.AllowedBranches);
        Assert.Empty(staging.AllowedTags);
        var preview = policy.For("preview");
        Assert.Equal((2, PullRequestDecisionSource.Evidence, null), (preview.RequiredApprovals, preview.RequirePullRequestDecision, preview.FreezeWindows));
        Assert.Equal<string>(["$default"], preview.AllowedBranches);
        var other = policy.For("qa");
        Assert.Equal("qa", other.Name);
        Assert.Equal(2, other.RequiredApprovals);
        Assert.Equal<string>(["$default"], other.AllowedBranches);
        Assert.Empty(other.AllowedTags);
        Assert.Equal(PullRequestDecisionSource.Evidence, other.RequirePullRequestDecision);
        Assert.Null(other.FreezeWindows);
        Assert.Equal((DuringFreeze.Hold, DuringFreeze.Reject, DuringFreeze.Hold), (production.DuringFreeze, staging.DuringFreeze, other.DuringFreeze));
    }

    [Fact]
    public void A_policy_without_the_section_gates_every_environment_with_the_defaults()
    {
        var (policy, _) = Resolve(null, "version: 1\n");

        Assert.Empty(policy.Environments);
        Assert.Equal(2, policy.For("production").RequiredApprovals);
        Assert.Equal<string>(["$default"], policy.For("x").AllowedBranches);
    }

    [Theory]
    [InlineData("deployments:\n  environments:\n    production:\n      required-approvals: 11\n", "5:27: deployments.environments.production.required-approvals: must be at most 10, got 11")]
    [InlineData("deployments:\n  environments:\n    production:\n      required-approvals: -1\n", "5:27: deployments.environments.production.required-approvals: must be at least 0 (0: no environment approvals), got -1")]
    [InlineData("deployments:\n  environments:\n    production:\n      required-approvals: \"2\"\n", "5:27: deployments.environments.production.required-approvals: expected a whole number from 0 to 10, got the quoted string '2'; remove the quotes")]
    [InlineData("deployments:\n  environments:\n    production:\n      require-pr-decision: evaluate_now\n", "5:28: deployments.environments.production.require-pr-decision: unknown value 'evaluate_now' (did you mean 'evaluate-now'? allowed: evidence, evaluate-now)")]
    [InlineData("deployments:\n  environments:\n    production:\n      allowed-refs:\n        tags: [refs/tags/v*]\n", "6:16: deployments.environments.production.allowed-refs.tags: 'refs/tags/v*': write the tag pattern without refs/tags/ (v*)")]
    [InlineData("deployments:\n  environments:\n    production:\n      allowed-refs:\n        tags: [$default]\n", "6:16: deployments.environments.production.allowed-refs.tags: '$default' is not a tag pattern; $default names a branch (list it under branches)")]
    [InlineData("deployments:\n  environments:\n    production:\n      allowed-refs:\n        branches: [refs/heads/main]\n", "6:20: deployments.environments.production.allowed-refs.branches: 'refs/heads/main': write the branch name without refs/heads/ (main)")]
    [InlineData("deployments:\n  environments:\n    production:\n      allowed-refs:\n        branches: []\n        tags: []\n", "6:9: deployments.environments.production.allowed-refs.branches: branches and tags are both empty, so nothing could be deployed to this environment; list at least one branch or tag pattern")]
    [InlineData("deployments:\n  environments:\n    production:\n      freeze-windows: all\n", "5:23: deployments.environments.production.freeze-windows: expected inherit or a list of freeze window names, got 'all'")]
    [InlineData("deployments:\n  environments:\n    production:\n      during-freeze: wait\n", "5:22: deployments.environments.production.during-freeze: unknown value 'wait' (allowed: hold, reject)")]
    [InlineData("deployments:\n  environments:\n    production:\n      during-freeze: rejected\n", "5:22: deployments.environments.production.during-freeze: unknown value 'rejected' (did you mean 'reject'? allowed: hold, reject)")]
    [InlineData("deployments:\n  environments:\n    production:\n      wait-timer: 31d\n", "5:19: deployments.environments.production.wait-timer: must be more than 0 and at most 30d, got 31d")]
    [InlineData("deployments:\n  environments:\n    production:\n      wait-timer: 30 minutes\n", "5:19: deployments.environments.production.wait-timer: '30 minutes' is not a duration; write minutes, hours or days: 30m, 4h, 1d")]
    [InlineData("deployments:\n  environments:\n    production:\n      required-aprovals: 2\n", "5:7: unknown key 'required-aprovals' in deployments.environments.production (did you mean 'required-approvals'?)")]
    [InlineData("deployments:\n  environments:\n    production:\n", "4:16: deployments.environments.production: expected the environment's settings (key: value lines indented below it), got an empty value; write {} to use the defaults")]
    [InlineData("deployments:\n  environments:\n    - production\n", "4:5: deployments.environments: expected environment names with their settings (production: …), got a list; write 'production:' with its settings indented below, not a '- ' list")]
    [InlineData("deployments:\n  environments:\n    production: {}\n    Production: {}\n", "5:5: deployments.environments: 'Production' is listed twice (also at 4:5; GitHub environment names are not case-sensitive); keep one")]
    [InlineData("deployments:\n  enforced: true\n", "3:3: deployments.enforced: only the organisation's policy file (finguard.yml in the organisation's .github repository) can enforce a section; remove this line from the repository file")]
    [InlineData("deployments:\n  enviroments: {}\n", "3:3: unknown key 'enviroments' in deployments (did you mean 'environments'?)")]
    [InlineData("deployment:\n  environments: {}\n", "2:1: unknown key 'deployment' at the top level (did you mean 'deployments'?)")]
    public void Problems_are_reported_with_their_position(string section, string expected)
    {
        var problems = Problems("version: 1\n" + section);

        Assert.True(problems.Contains(expected), $"expected: {expected}\nactual:\n{string.Join("\n", problems)}");
    }

    [Fact]
    public void The_organisation_file_may_enforce_the_section()
    {
        Assert.Empty(Problems("version: 1\ndeployments:\n  enforced: true\n  environments:\n    production:\n      required-approvals: 3\n", PolicyFileKind.Organisation));
    }

    [Fact]
    public void Without_enforcement_the_repository_replaces_what_it_sets_per_environment()
    {
        var (policy, problems) = Resolve(
            "version: 1\ndeployments:\n  environments:\n    production:\n      required-approvals: 3\n      allowed-refs:\n        tags: [v*]\n",
            "version: 1\ndeployments:\n  environments:\n    Production:\n      required-approvals: 1\n    staging:\n      required-approvals: 0\n");

        Assert.Empty(problems);
        Assert.Equal(1, policy.For("production").RequiredApprovals);
        Assert.Equal<string>(["v*"], policy.For("production").AllowedTags);
        Assert.Equal(0, policy.For("staging").RequiredApprovals);
    }

    [Fact]
    public void Under_enforcement_the_repository_may_only_strengthen_each_environment()
    {
        var (policy, problems) = Resolve(
            """
            version: 1
            deployments:
              enforced: true
              environments:
                production:
                  required-approvals: 2
                  allowed-refs:
                    branches: [$default, release/*]
                    tags: [v*]
                  freeze-windows: [Month-end close]
                staging:
                  require-pr-decision: evaluate-now
            """,
            """
            version: 1
            deployments:
              environments:
                production:
                  required-approvals: 1
                  allowed-refs:
                    branches: [release/*]
                    tags: [v*, hotfix-*]
                  require-pr-decision: evaluate-now
                  freeze-windows: [Christmas]
                staging:
                  require-pr-decision: evidence
                qa:
                  required-approvals: 1
                  allowed-refs:
                    branches: [$default]
            """);

        var production = policy.For("production");
        Assert.Equal(2, production.RequiredApprovals);
        Assert.Equal<string>(["release/*"], production.AllowedBranches);
        Assert.Equal<string>(["v*"], production.AllowedTags);
        Assert.Equal(PullRequestDecisionSource.Evidence, production.RequirePullRequestDecision);
        Assert.Equal<string>(["Month-end close", "Christmas"], production.FreezeWindows!.Value);
        Assert.Equal(PullRequestDecisionSource.Evidence, policy.For("staging").RequirePullRequestDecision);
        Assert.Equal(2, policy.For("qa").RequiredApprovals);
        Assert.Equal(
            [
                "5:7: deployments.environments.production.required-approvals: 1 is weaker than the organisation's enforced 2; using 2",
                "8:9: deployments.environments.production.allowed-refs.tags: hotfix-* is not among the organisation's enforced [v*]; using [v*]",
                "9:7: deployments.environments.production.require-pr-decision: evaluate-now is weaker than the organisation's enforced evidence; using evidence",
                "14:7: deployments.environments.qa.required-approvals: 1 is weaker than the organisation's enforced 2; using 2",
            ],
            problems);
    }

    [Fact]
    public void Under_enforcement_inherit_cannot_be_narrowed_to_named_windows()
    {
        var (policy, problems) = Resolve(
            "version: 1\ndeployments:\n  enforced: true\n",
            "version: 1\ndeployments:\n  environments:\n    production:\n      freeze-windows: [Christmas]\n");

        Assert.Null(policy.For("production").FreezeWindows);
        Assert.Equal(["5:7: deployments.environments.production.freeze-windows: [Christmas] could leave out windows the organisation's enforced 'inherit' applies; using inherit"], problems);
    }

    [Fact]
    public void Under_enforcement_during_freeze_may_only_move_from_hold_to_reject()
    {
        var (policy, problems) = Resolve(
            "version: 1\ndeployments:\n  enforced: true\n  environments:\n    production:\n      during-freeze: reject\n",
            "version: 1\ndeployments:\n  environments:\n    production:\n      during-freeze: hold\n    staging:\n      during-freeze: reject\n");

        Assert.Equal(DuringFreeze.Reject, policy.For("production").DuringFreeze);
        Assert.Equal(DuringFreeze.Reject, policy.For("staging").DuringFreeze);
        Assert.Equal(["5:7: deployments.environments.production.during-freeze: hold is weaker than the organisation's enforced reject; using reject"], problems);
    }

    [Fact]
    public void A_wait_timer_is_read_and_under_enforcement_may_only_lengthen()
    {
        var (own, none) = Resolve(null, "version: 1\ndeployments:\n  environments:\n    production:\n      wait-timer: 2d\n");
        Assert.Empty(none);
        Assert.Equal(TimeSpan.FromDays(2), own.For("production").WaitTimer);
        Assert.Null(own.For("staging").WaitTimer);

        var (policy, problems) = Resolve(
            "version: 1\ndeployments:\n  enforced: true\n  environments:\n    production:\n      wait-timer: 1h\n",
            "version: 1\ndeployments:\n  environments:\n    production:\n      wait-timer: 30m\n    staging:\n      wait-timer: 4h\n");

        Assert.Equal(TimeSpan.FromHours(1), policy.For("production").WaitTimer);
        Assert.Equal(TimeSpan.FromHours(4), policy.For("staging").WaitTimer);
        Assert.Equal(["5:7: deployments.environments.production.wait-timer: 30m is shorter than the organisation's enforced 1h; using 1h"], problems);
    }

    [Fact]
    public void The_resolved_section_is_recorded_in_the_policy_json()
    {
        var (policy, _) = Resolve(null, Example);

        var json = PolicyJsonContext.ToElement(FinGuardPolicy.Default with { Deployments = policy });
        var back = PolicyJsonContext.FromElement(json);

        Assert.Equal("evaluate-now", json.GetProperty("deployments").GetProperty("environments")[1].GetProperty("requirePullRequestDecision").GetString());
        var staging = back.Deployments.For("staging");
        Assert.Equal((1, PullRequestDecisionSource.EvaluateNow), (staging.RequiredApprovals, staging.RequirePullRequestDecision));
        Assert.Equal<string>(["**"], staging.AllowedBranches);
        Assert.Equal<string>(["Month-end close"], staging.FreezeWindows!.Value);
        Assert.Null(back.Deployments.For("production").FreezeWindows);
        Assert.Equal("reject", json.GetProperty("deployments").GetProperty("environments")[1].GetProperty("duringFreeze").GetString());
        Assert.Equal(DuringFreeze.Reject, staging.DuringFreeze);
    }
}
