using System.Collections.Immutable;
using FinGuard.Core.Controls;
using FinGuard.Core.Freeze;
using FinGuard.Core.Policy;
using FinGuard.Core.Results;
using FinGuard.Core.Tests.Controls;
using static FinGuard.Core.Tests.Controls.People;

namespace FinGuard.Core.Tests.Freeze;

public sealed class FreezeWindowControlTests
{
    private const string Team = "octo/change-advisory-board";
    private const string Label = "emergency-change";

    /// <summary>Monday 23 November 2026, noon UTC: inside <see cref="BlackFriday"/>; the builder's reviews are from 09:00.</summary>
    private static readonly DateTimeOffset At = new(2026, 11, 23, 12, 0, 0, TimeSpan.Zero);

    private static readonly FreezeWindow MonthEnd = new()
    {
        Name = "Month-end close",
        Cron = new FreezeCron("0 18 L-1 * *", "0 9 2 * *"),
        TimeZone = "Europe/London",
    };

    private static readonly FreezeWindow BlackFriday = new()
    {
        Name = "Black Friday freeze",
        From = new DateTimeOffset(2026, 11, 23, 0, 0, 0, TimeSpan.Zero),
        To = new DateTimeOffset(2026, 11, 30, 9, 0, 0, TimeSpan.Zero),
        TimeZone = "Europe/London",
    };

    private static readonly BreakGlassPolicy BreakGlass = new() { Label = Label, ApproverTeams = [Team], MaxDuration = TimeSpan.FromHours(4) };

    private static FreezeWindowPolicy Policy(BreakGlassPolicy? breakGlass = null, params FreezeWindow[] windows) =>
        new() { Windows = [.. windows], BreakGlass = breakGlass };

    private static ControlResult Evaluate(SnapshotBuilder builder, FreezeWindowPolicy policy, DateTimeOffset? at = null) =>
        new FreezeWindowControl().Evaluate(new EvaluationContext(builder.Build(), FinGuardPolicy.Default with { FreezeWindow = policy }, at ?? At));

    /// <summary>A frozen pull request by dev, with the break-glass label and the team loaded (alice and carol are members).</summary>
    private static SnapshotBuilder Frozen() => new SnapshotBuilder().Commit(true).Label(Label).Team(Team, "alice", "carol");

    private static void AssertDetail(ControlResult result, string subject, bool ok, string message)
    {
        var detail = Assert.Single(result.Details, d => d.Subject == subject);
        Assert.Equal((ok, message), (detail.Ok, detail.Message));
    }

    [Fact]
    public void Without_windows_the_control_is_skipped()
    {
        var result = Evaluate(new SnapshotBuilder().Commit(true), new FreezeWindowPolicy());

        Assert.Equal(ControlStatus.Skipped, result.Status);
        Assert.Equal("No freeze windows are configured.", result.Summary);
        Assert.Equal("freeze-window", result.Id);
        Assert.Equal("Freeze window", result.Name);
    }

    [Fact]
    public void Disabled_by_policy_the_control_is_skipped_even_in_a_freeze()
    {
        var result = Evaluate(new SnapshotBuilder().Commit(true), Policy(null, BlackFriday) with { Enabled = false });

        Assert.Equal(ControlStatus.Skipped, result.Status);
        Assert.Equal("Disabled by policy.", result.Summary);
    }

    [Fact]
    public void A_window_for_other_branches_does_not_freeze_this_one()
    {
        var releases = BlackFriday with { Branches = ["release/*"] };

        var result = Evaluate(new SnapshotBuilder().Commit(true), Policy(null, releases));
        Assert.Equal(ControlStatus.Skipped, result.Status);
        Assert.Equal("No freeze window covers the base branch `main`.", result.Summary);

        var onRelease = Evaluate(new SnapshotBuilder().Commit(true).Base("release/2.1"), Policy(null, releases));
        Assert.Equal(ControlStatus.Fail, onRelease.Status);

        var none = Evaluate(new SnapshotBuilder().Commit(true), Policy(null, BlackFriday with { Branches = [] }));
        Assert.Equal(ControlStatus.Skipped, none.Status);

        var defaultBranch = Evaluate(new SnapshotBuilder().Commit(true), Policy(null, BlackFriday with { Branches = ["$default"] }));
        Assert.Equal(ControlStatus.Fail, defaultBranch.Status);
    }

    [Fact]
    public void Outside_every_window_it_passes_and_names_the_next_one()
    {
        var result = Evaluate(new SnapshotBuilder().Commit(true), Policy(BreakGlass, MonthEnd));

        Assert.Equal(ControlStatus.Pass, result.Status);
        Assert.Equal(
            "No freeze is active. Next: Month-end close from 2026-11-29 18:00 Europe/London (18:00 UTC) to 2026-12-02 09:00 Europe/London (09:00 UTC).",
            result.Summary);
        AssertDetail(result, "Month-end close", true, "not open; next from 2026-11-29 18:00 Europe/London (18:00 UTC) to 2026-12-02 09:00 Europe/London (09:00 UTC)");
        Assert.Null(result.HowToFix);
        Assert.Null(result.Exception);
    }

    [Fact]
    public void A_window_in_the_past_is_not_open_and_does_not_open_again()
    {
        var result = Evaluate(new SnapshotBuilder().Commit(true), Policy(null, BlackFriday), At.AddDays(30));

        Assert.Equal(ControlStatus.Pass, result.Status);
        Assert.Equal("No freeze is active, and none is scheduled.", result.Summary);
        AssertDetail(result, "Black Friday freeze", true, "not open, and does not open again");
    }

    [Fact]
    public void During_a_freeze_it_fails_with_the_window_name_and_when_it_ends()
    {
        var result = Evaluate(new SnapshotBuilder().Commit(true), Policy(BreakGlass, MonthEnd), new DateTimeOffset(2026, 11, 30, 12, 0, 0, TimeSpan.Zero));

        Assert.Equal(ControlStatus.Fail, result.Status);
        Assert.Equal("Frozen: Month-end close until 2026-12-02 09:00 Europe/London (09:00 UTC).", result.Summary);
        AssertDetail(result, "Month-end close", false, "open since 2026-11-29 18:00 Europe/London (18:00 UTC) until 2026-12-02 09:00 Europe/London (09:00 UTC)");
        AssertDetail(result, Label, false, "break-glass label is not on this pull request");
        Assert.Equal(
            "Wait until the freeze ends (2026-12-02 09:00 Europe/London (09:00 UTC)); FinGuard re-evaluates open pull requests when a freeze window closes.\n" +
            "For an urgent change, use break-glass: add the label `emergency-change` and ask a member of octo/change-advisory-board who did not write the change " +
            "to approve the current head 01aaaaa. The change may then pass for 4h after that approval, and the decision is recorded as an exception in the evidence.",
            result.HowToFix);
        Assert.Null(result.Exception);
    }

    [Fact]
    public void Without_a_break_glass_procedure_the_fix_says_so()
    {
        var result = Evaluate(new SnapshotBuilder().Commit(true).Label(Label), Policy(null, BlackFriday));

        Assert.Equal(ControlStatus.Fail, result.Status);
        Assert.Equal("Frozen: Black Friday freeze until 2026-11-30 09:00 Europe/London (09:00 UTC).", result.Summary);
        Assert.EndsWith("This policy has no break-glass procedure for urgent changes; ask the owner of the policy file if one is needed.", result.HowToFix, StringComparison.Ordinal);
    }

    [Fact]
    public void Overlapping_windows_are_all_named()
    {
        var result = Evaluate(new SnapshotBuilder().Commit(true), Policy(null, MonthEnd, BlackFriday), new DateTimeOffset(2026, 11, 29, 20, 0, 0, TimeSpan.Zero));

        Assert.Equal(
            "Frozen: Black Friday freeze until 2026-11-30 09:00 Europe/London (09:00 UTC) and Month-end close until 2026-12-02 09:00 Europe/London (09:00 UTC).",
            result.Summary);
        Assert.StartsWith("Wait until the freeze ends (2026-12-02 09:00 Europe/London (09:00 UTC))", result.HowToFix, StringComparison.Ordinal);
    }

    [Fact]
    public void A_window_that_cannot_be_computed_is_an_error_not_a_pass()
    {
        var result = Evaluate(new SnapshotBuilder().Commit(true), Policy(null, MonthEnd with { TimeZone = "Europe/Atlantis" }));

        Assert.Equal(ControlStatus.Error, result.Status);
        Assert.Equal("FinGuard cannot tell whether 'Month-end close' is open (fail closed).", result.Summary);
        AssertDetail(result, "Month-end close", false, "unknown time zone 'Europe/Atlantis'");
    }

    [Fact]
    public void Break_glass_label_without_an_approval_fails()
    {
        var result = Evaluate(Frozen(), Policy(BreakGlass, BlackFriday));

        Assert.Equal(ControlStatus.Fail, result.Status);
        Assert.Equal(
            "Frozen: Black Friday freeze until 2026-11-30 09:00 Europe/London (09:00 UTC). Break-glass label `emergency-change` is present, but no member of an approver team has approved the current head.",
            result.Summary);
        AssertDetail(result, Label, true, "break-glass label is on this pull request");
        Assert.Null(result.Exception);
    }

    [Fact]
    public void Break_glass_approved_by_the_author_fails()
    {
        var result = Evaluate(Frozen().Team(Team, "alice", "dev").Approve(Dev), Policy(BreakGlass, BlackFriday));

        Assert.Equal(ControlStatus.Fail, result.Status);
        Assert.EndsWith("Break-glass label `emergency-change` is present, but no approval counts.", result.Summary, StringComparison.Ordinal);
        AssertDetail(result, "dev", false, "does not count for break-glass: opened this pull request or wrote one of its commits, and cannot approve their own break-glass");
    }

    [Fact]
    public void Break_glass_approved_by_a_committer_fails()
    {
        var builder = new SnapshotBuilder().Commit(true, committer: Carol).Label(Label).Team(Team, "alice", "carol").Approve(Carol);

        var result = Evaluate(builder, Policy(BreakGlass, BlackFriday));

        Assert.Equal(ControlStatus.Fail, result.Status);
        AssertDetail(result, "carol", false, "does not count for break-glass: opened this pull request or wrote one of its commits, and cannot approve their own break-glass");
    }

    [Fact]
    public void Break_glass_approved_by_someone_outside_the_teams_fails()
    {
        var result = Evaluate(Frozen().Approve(Bob), Policy(BreakGlass, BlackFriday));

        Assert.Equal(ControlStatus.Fail, result.Status);
        AssertDetail(result, "bob", false, "does not count for break-glass: is not a member of octo/change-advisory-board");
    }

    [Fact]
    public void An_expired_break_glass_fails()
    {
        // Alice approved at 09:00; four hours later it no longer holds.
        var result = Evaluate(Frozen().Approve(Alice), Policy(BreakGlass, BlackFriday), new DateTimeOffset(2026, 11, 23, 13, 0, 0, TimeSpan.Zero));

        Assert.Equal(ControlStatus.Fail, result.Status);
        AssertDetail(result, "alice", false, "does not count for break-glass: approved at 2026-11-23 09:00 UTC; break-glass expired at 2026-11-23 13:00 UTC (4h after the approval)");
        Assert.Null(result.Exception);
    }

    [Fact]
    public void An_approval_of_an_older_head_or_a_withdrawn_one_does_not_count()
    {
        var older = Evaluate(Frozen().Commit(true).Review(Alice, "APPROVED", onCommit: 1), Policy(BreakGlass, BlackFriday));
        AssertDetail(older, "alice", false, "does not count for break-glass: approved 01aaaaa, not the current head 02aaaaa");

        var withdrawn = Evaluate(Frozen().Approve(Alice).Review(Alice, "CHANGES_REQUESTED"), Policy(BreakGlass, BlackFriday));
        AssertDetail(withdrawn, "alice", false, "does not count for break-glass: withdrew their approval (latest review: CHANGES_REQUESTED)");

        var commentedAfter = Evaluate(Frozen().Approve(Alice).Review(Alice, "COMMENTED"), Policy(BreakGlass, BlackFriday));
        Assert.Equal(ControlStatus.Pass, commentedAfter.Status);
    }

    [Fact]
    public void A_bot_in_the_team_cannot_approve_break_glass()
    {
        var result = Evaluate(Frozen().Team(Team, "dependabot[bot]").Approve(Dependabot), Policy(BreakGlass, BlackFriday));

        AssertDetail(result, "dependabot[bot]", false, "does not count for break-glass: is a bot");
    }

    [Fact]
    public void A_valid_break_glass_passes_loudly_and_carries_the_exception()
    {
        var result = Evaluate(Frozen().Approve(Bob, Alice), Policy(BreakGlass, BlackFriday));

        Assert.Equal(ControlStatus.Pass, result.Status);
        Assert.Equal(
            "🚨 BREAK-GLASS: Frozen: Black Friday freeze until 2026-11-30 09:00 Europe/London (09:00 UTC), bypassed by label `emergency-change` with the approval of alice " +
            "(octo/change-advisory-board) at 2026-11-23 09:01 UTC. Valid until 2026-11-23 13:01 UTC; this decision is recorded as an exception.",
            result.Summary);
        AssertDetail(result, "alice", true, "approved break-glass as a member of octo/change-advisory-board at 2026-11-23 09:01 UTC; holds until 2026-11-23 13:01 UTC");
        AssertDetail(result, "bob", false, "does not count for break-glass: is not a member of octo/change-advisory-board");
        Assert.Empty(result.Reasons);

        var exception = result.Exception!;
        Assert.Equal("break-glass", exception.Type);
        Assert.Equal(Label, exception.Label);
        Assert.Equal(Dev, exception.InvokedBy);
        Assert.Equal(Alice, exception.ApprovedBy);
        Assert.Equal(Team, exception.ApprovedVia);
        Assert.Equal(new DateTimeOffset(2026, 11, 23, 9, 1, 0, TimeSpan.Zero), exception.ApprovedAt);
        Assert.Equal(new DateTimeOffset(2026, 11, 23, 13, 1, 0, TimeSpan.Zero), exception.ExpiresAt);
        Assert.Equal<string>(["Black Friday freeze"], exception.Bypassed);
    }

    [Fact]
    public void Of_several_valid_approvals_the_latest_is_the_one_recorded()
    {
        var result = Evaluate(Frozen().Approve(Alice, Carol), Policy(BreakGlass with { MaxDuration = TimeSpan.FromMinutes(30) }, BlackFriday), new DateTimeOffset(2026, 11, 23, 9, 20, 0, TimeSpan.Zero));

        Assert.Equal(ControlStatus.Pass, result.Status);
        Assert.Equal(Carol, result.Exception!.ApprovedBy);
        Assert.Equal(new DateTimeOffset(2026, 11, 23, 9, 31, 0, TimeSpan.Zero), result.Exception.ExpiresAt);
        Assert.Contains("Valid until 2026-11-23 09:31 UTC", result.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void The_label_is_matched_case_insensitively_as_GitHub_does()
    {
        var builder = new SnapshotBuilder().Commit(true).Label("Emergency-Change").Team(Team, "alice").Approve(Alice);

        Assert.Equal(ControlStatus.Pass, Evaluate(builder, Policy(BreakGlass, BlackFriday)).Status);
    }

    [Fact]
    public void Break_glass_fails_closed_when_the_team_was_not_loaded()
    {
        var builder = new SnapshotBuilder().Commit(true).Label(Label).Approve(Alice);

        var result = Evaluate(builder, Policy(BreakGlass, BlackFriday));

        Assert.Equal(ControlStatus.Error, result.Status);
        Assert.EndsWith("Break-glass was asked for, but FinGuard cannot verify it (fail closed).", result.Summary, StringComparison.Ordinal);
        AssertDetail(result, Team, false, "the members of this break-glass approver team were not loaded, so FinGuard cannot check the approver against it");
    }

    [Fact]
    public void Break_glass_fails_closed_when_a_commit_author_is_not_a_known_account()
    {
        var builder = new SnapshotBuilder().CommitBy(null, authorEmail: "ghost@example.com").Label(Label).Team(Team, "alice").Approve(Alice);

        var result = Evaluate(builder, Policy(BreakGlass, BlackFriday));

        Assert.Equal(ControlStatus.Error, result.Status);
        AssertDetail(result, "01aaaaa", false, "GitHub could not link `ghost@example.com` to an account, so FinGuard cannot prove the approver did not write this commit");
    }

    [Fact]
    public void Through_the_evaluator_it_is_the_fourth_control_and_a_break_glass_decision_succeeds()
    {
        Assert.Equal<string>(["signed-commits", "separation-of-duties", "scan-status", "freeze-window"], PolicyEvaluator.ControlIds);
        var policy = FinGuardPolicy.Default with { FreezeWindow = Policy(BreakGlass, BlackFriday) };

        var frozen = PolicyEvaluator.Evaluate(new SnapshotBuilder().Commit(true).Approve(Alice, Bob).Build(), policy, At);
        Assert.Equal(Conclusion.Failure, frozen.Conclusion);
        Assert.Equal("freeze-window:fail", frozen.ReasonCode);

        var broken = PolicyEvaluator.Evaluate(Frozen().Approve(Alice, Bob).Build(), policy, At);
        Assert.Equal(Conclusion.Success, broken.Conclusion);
        Assert.Equal("🚨 BREAK-GLASS: All 3 controls passing", broken.Title);
        Assert.NotNull(broken.Controls.Single(c => c.Id == "freeze-window").Exception);
    }

    [Theory]
    [InlineData(30, "30m")]
    [InlineData(240, "4h")]
    [InlineData(90, "1h30m")]
    [InlineData(1440, "1d")]
    [InlineData(10080, "7d")]
    public void Durations_read_as_they_are_written_in_a_policy(int minutes, string text)
    {
        Assert.Equal(text, FreezeWindowControl.Duration(TimeSpan.FromMinutes(minutes)));
    }

    [Fact]
    public void Teams_default_to_none_when_the_policy_was_built_without_them()
    {
        var result = Evaluate(Frozen().Approve(Alice), Policy(BreakGlass with { ApproverTeams = ImmutableArray<string>.Empty }, BlackFriday));

        Assert.Equal(ControlStatus.Fail, result.Status);
    }
}
