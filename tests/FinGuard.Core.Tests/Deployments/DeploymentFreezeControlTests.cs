using FinGuard.Core.Deployments;
using FinGuard.Core.Freeze;
using FinGuard.Core.Policy;
using FinGuard.Core.Results;

namespace FinGuard.Core.Tests.Deployments;

public sealed class DeploymentFreezeControlTests
{
    private static readonly FreezeWindow YearEnd = new()
    {
        Name = "year-end",
        From = new DateTimeOffset(2026, 11, 20, 0, 0, 0, TimeSpan.Zero),
        To = new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero),
    };

    private static readonly FreezeWindow StagingOnly = YearEnd with { Name = "staging-only", Environments = ["staging"] };

    private static readonly FreezeWindow Later = YearEnd with
    {
        Name = "later",
        From = new DateTimeOffset(2027, 1, 10, 0, 0, 0, TimeSpan.Zero),
        To = new DateTimeOffset(2027, 1, 11, 0, 0, 0, TimeSpan.Zero),
    };

    private static ControlResult Evaluate(string environment, EnvironmentDeploymentPolicy? settings, bool enabled = true, params FreezeWindow[] windows)
    {
        var policy = FinGuardPolicy.Default with
        {
            FreezeWindow = new FreezeWindowPolicy { Enabled = enabled, Windows = [.. windows] },
            Deployments = new DeploymentsPolicy { Environments = settings is null ? [] : [settings] },
        };
        return new DeploymentFreezeControl().Evaluate(DeploymentBuilder.Context(new DeploymentBuilder().To(environment).Build(), policy));
    }

    [Fact]
    public void An_open_window_holds_a_deployment_to_every_environment_it_does_not_exclude()
    {
        var result = Evaluate("production", null, true, YearEnd);

        Assert.Equal(ControlStatus.Pending, result.Status);
        Assert.Equal("freeze-window", result.Id);
        Assert.Equal("Held by freeze window year-end until 2026-12-01 00:00 UTC.", result.Summary);
        Assert.StartsWith("FinGuard decides again when the freeze ends (GitHub keeps a deployment waiting for up to 30 days). This policy has no break-glass procedure", result.HowToFix, StringComparison.Ordinal);
        Assert.Null(result.Exception);
    }

    [Fact]
    public void With_during_freeze_reject_an_open_window_rejects_the_deployment()
    {
        var result = Evaluate("production", new EnvironmentDeploymentPolicy { Name = "production", DuringFreeze = DuringFreeze.Reject }, true, YearEnd);

        Assert.Equal(ControlStatus.Fail, result.Status);
        Assert.Equal("production is frozen: year-end until 2026-12-01 00:00 UTC.", result.Summary);
    }

    [Fact]
    public void A_window_for_other_environments_does_not_apply()
    {
        var result = Evaluate("production", null, true, StagingOnly);

        Assert.Equal(ControlStatus.Skipped, result.Status);
        Assert.Equal(ControlStatus.Pending, Evaluate("Staging", null, true, StagingOnly).Status);
    }

    [Fact]
    public void Named_windows_apply_whatever_their_environments_and_only_those()
    {
        var named = new EnvironmentDeploymentPolicy { Name = "production", FreezeWindows = ["staging-only"] };

        Assert.Equal(ControlStatus.Pending, Evaluate("production", named, true, StagingOnly, Later).Status);
        Assert.Equal(ControlStatus.Skipped, Evaluate("production", named with { FreezeWindows = [] }, true, YearEnd).Status);
    }

    [Fact]
    public void A_named_window_the_policy_does_not_define_fails_closed()
    {
        var result = Evaluate("production", new EnvironmentDeploymentPolicy { Name = "production", FreezeWindows = ["black-friday"] }, true, YearEnd);

        Assert.Equal(ControlStatus.Error, result.Status);
        Assert.Contains("'black-friday'", result.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void Outside_every_window_it_passes_naming_the_next()
    {
        var result = Evaluate("production", null, true, Later);

        Assert.Equal(ControlStatus.Pass, result.Status);
        Assert.Equal("No freeze is active for production. Next: later from 2027-01-10 00:00 UTC.", result.Summary);
    }

    [Fact]
    public void Disabled_or_without_windows_it_is_skipped()
    {
        Assert.Equal(ControlStatus.Skipped, Evaluate("production", null, false, YearEnd).Status);
        Assert.Equal(ControlStatus.Skipped, Evaluate("production", null, true).Status);
    }

    private static ControlResult BreakGlass(DeploymentBuilder builder, SeparationOfDutiesPolicy? duties = null)
    {
        var policy = FinGuardPolicy.Default with
        {
            FreezeWindow = new FreezeWindowPolicy
            {
                Windows = [YearEnd],
                BreakGlass = new BreakGlassPolicy { Label = "emergency-change", ApproverTeams = ["octo/cab"], MaxDuration = TimeSpan.FromHours(4) },
            },
            SeparationOfDuties = duties ?? new SeparationOfDutiesPolicy(),
        };
        var snapshot = builder.Build() with
        {
            RequestedAt = DeploymentBuilder.At.AddMinutes(-10),
            TeamMembers = System.Collections.Immutable.ImmutableDictionary<string, System.Collections.Immutable.ImmutableHashSet<string>>.Empty
                .WithComparers(StringComparer.OrdinalIgnoreCase)
                .Add("octo/cab", ["carol", "erin", "alice"]),
        };
        return new DeploymentFreezeControl().Evaluate(DeploymentBuilder.Context(snapshot, policy));
    }

    private static EnvironmentApproval AsksForBreakGlass(Snapshots.GitHubUser user) =>
        DeploymentBuilder.Approval(user, comment: "emergency-change: INC-42");

    [Fact]
    public void A_break_glass_approval_from_a_team_member_who_may_approve_passes()
    {
        var result = BreakGlass(new DeploymentBuilder().Review(AsksForBreakGlass(Controls.People.Carol)));

        Assert.Equal(ControlStatus.Pass, result.Status);
        Assert.Equal(Controls.People.Carol, result.Exception!.ApprovedBy);
    }

    [Fact]
    public void A_deployment_break_glass_is_held_to_the_same_rules_as_a_pull_request_break_glass()
    {
        // The same rules as a pull request's break-glass (BreakGlassApprovers): an excluded approver, a co-author and
        // someone without write access do not count, whatever team they are in.
        var change = new Controls.SnapshotBuilder()
            .Commit(verified: true, message: "Fix\n\nCo-authored-by: Alice <21+alice@users.noreply.github.com>")
            .Build();
        var result = BreakGlass(
            new DeploymentBuilder()
                .Decision(DeploymentBuilder.Passed(change: change))
                .Review(AsksForBreakGlass(Controls.People.Carol))
                .Review(AsksForBreakGlass(Controls.People.Alice))
                .Review(AsksForBreakGlass(Controls.People.Erin))
                .Permission(Controls.People.Erin, "read"),
            new SeparationOfDutiesPolicy { ExcludedApprovers = ["carol"] });

        Assert.Equal(ControlStatus.Pending, result.Status);
        Assert.Null(result.Exception);
        string Why(string login) => Assert.Single(result.Details, d => d.Subject == login).Message;
        Assert.Equal("asked for break-glass (`emergency-change` in the review comment), but does not count: is excluded from approving by this policy", Why("carol"));
        Assert.Equal("asked for break-glass (`emergency-change` in the review comment), but does not count: co-authored 01aaaaa", Why("alice"));
        Assert.Equal("asked for break-glass (`emergency-change` in the review comment), but does not count: has read access to this repository; only people with write, maintain or admin access can approve", Why("erin"));
    }
}
