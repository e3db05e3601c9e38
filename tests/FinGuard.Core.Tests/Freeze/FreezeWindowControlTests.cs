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
            "For an urgent change, use break-glass: add the label `emergency-change`, then ask a member of octo/change-advisory-board " +
            "who may approve under separation of duties (did not write the change, is not excluded, has write access) to approve the current head 01aaaaa after the label was added. " +
            "The change may then pass for 4h after that approval, and the decision is recorded as an exception in the evidence.",
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
        AssertDetail(result, Label, true, "break-glass label applied by dev at 2026-11-23 08:00 UTC");
        Assert.Null(result.Exception);
    }

    [Fact]
    public void Break_glass_approved_by_the_author_fails()
    {
        var result = Evaluate(Frozen().Team(Team, "alice", "dev").Approve(Dev), Policy(BreakGlass, BlackFriday));

        Assert.Equal(ControlStatus.Fail, result.Status);
        Assert.EndsWith("Break-glass label `emergency-change` is present, but no approval counts.", result.Summary, StringComparison.Ordinal);
        AssertDetail(result, "dev", false, "does not count for break-glass: opened this pull request; authored 01aaaaa; committed 01aaaaa; pushed the current head 01aaaaa");
    }

    [Fact]
    public void Break_glass_approved_by_a_committer_fails()
    {
        var builder = new SnapshotBuilder().Commit(true, committer: Carol).Label(Label).Team(Team, "alice", "carol").Approve(Carol);

        var result = Evaluate(builder, Policy(BreakGlass, BlackFriday));

        Assert.Equal(ControlStatus.Fail, result.Status);
        AssertDetail(result, "carol", false, "does not count for break-glass: committed 01aaaaa");
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
            "(octo/change-advisory-board) at 2026-11-23 09:01 UTC. Break-glass asked for by dev. Valid until 2026-11-23 13:01 UTC; this decision is recorded as an exception.",
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
        Assert.Contains(result.Details, d => d is { Subject: "ghost@example.com", Ok: false } && d.Message.StartsWith("author (Unknown) of 01aaaaa: GitHub could not link this email to an account", StringComparison.Ordinal));
    }

    [Fact]
    public void Through_the_evaluator_it_is_the_fourth_control_and_a_break_glass_decision_succeeds()
    {
        Assert.Equal<string>(["signed-commits", "separation-of-duties", "path-approvals", "scan-status", "freeze-window"], PolicyEvaluator.ControlIds);
        var policy = FinGuardPolicy.Default with { FreezeWindow = Policy(BreakGlass, BlackFriday) };

        var frozen = PolicyEvaluator.Evaluate(new SnapshotBuilder().Commit(true).Approve(Alice, Bob).Build(), policy, At);
        Assert.Equal(Conclusion.Failure, frozen.Conclusion);
        Assert.Equal("freeze-window:fail", frozen.ReasonCode);

        var broken = PolicyEvaluator.Evaluate(Frozen().Approve(Alice, Bob).Build(), policy, At);
        Assert.Equal(Conclusion.Success, broken.Conclusion);
        Assert.Equal("🚨 BREAK-GLASS: All 3 controls passing", broken.Title);
        Assert.NotNull(broken.Controls.Single(c => c.Id == "freeze-window").Exception);
    }

    [Fact]
    public void Break_glass_approved_by_a_co_author_fails()
    {
        // Alice is in the break-glass team and co-authored the change: she wrote it, so she cannot approve its emergency.
        var builder = new SnapshotBuilder()
            .CommitBy(Dev, message: "Hotfix settlement\n\nCo-authored-by: Alice <21+alice@users.noreply.github.com>")
            .Label(Label).Team(Team, "alice", "carol").Approve(Alice);

        var result = Evaluate(builder, Policy(BreakGlass, BlackFriday));

        Assert.Equal(ControlStatus.Fail, result.Status);
        AssertDetail(result, "alice", false, "does not count for break-glass: co-authored 01aaaaa");
        Assert.Null(result.Exception);
    }

    [Fact]
    public void Break_glass_approved_by_an_excluded_approver_fails()
    {
        var result = new FreezeWindowControl().Evaluate(new EvaluationContext(
            Frozen().Approve(Alice).Build(),
            FinGuardPolicy.Default with { FreezeWindow = Policy(BreakGlass, BlackFriday), SeparationOfDuties = new SeparationOfDutiesPolicy { ExcludedApprovers = ["ALICE"] } },
            At));

        Assert.Equal(ControlStatus.Fail, result.Status);
        AssertDetail(result, "alice", false, "does not count for break-glass: is excluded from approving by this policy");
    }

    [Theory]
    [InlineData("read", "does not count for break-glass: has read access to this repository; only people with write, maintain or admin access can approve")]
    [InlineData(null, "does not count for break-glass: FinGuard could not read their permission on this repository, so it cannot tell that they may approve (fail closed)")]
    public void Break_glass_approved_by_someone_without_write_access_fails(string? permission, string why)
    {
        var result = Evaluate(Frozen().Approve(Alice).Permission(Alice, permission), Policy(BreakGlass, BlackFriday));

        Assert.Equal(ControlStatus.Fail, result.Status);
        AssertDetail(result, "alice", false, why);
    }

    [Fact]
    public void A_routine_approval_given_before_the_label_is_not_a_break_glass_approval()
    {
        // Alice approved at 09:00 as a routine review; the freeze made someone add the label at 10:30.
        var builder = Frozen().Approve(Alice).LabelAdded(Label, Erin, new DateTimeOffset(2026, 11, 23, 10, 30, 0, TimeSpan.Zero));

        var result = Evaluate(builder, Policy(BreakGlass, BlackFriday));

        Assert.Equal(ControlStatus.Fail, result.Status);
        AssertDetail(result, Label, true, "break-glass label applied by erin at 2026-11-23 10:30 UTC");
        AssertDetail(result, "alice", false, "does not count for break-glass: approved at 2026-11-23 09:00 UTC, before the break-glass label was applied at 2026-11-23 10:30 UTC; an emergency approval must be given after break-glass is asked for");

        // Approving again after the label makes it count, and the one who added the label is recorded as invoking it.
        var again = Evaluate(builder.Review(Alice, "APPROVED", at: new DateTimeOffset(2026, 11, 23, 10, 45, 0, TimeSpan.Zero)), Policy(BreakGlass, BlackFriday));
        Assert.Equal(ControlStatus.Pass, again.Status);
        Assert.Equal(Erin, again.Exception!.InvokedBy);
        Assert.Contains("Break-glass asked for by erin.", again.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void The_latest_time_the_label_was_added_is_the_one_an_approval_must_follow()
    {
        var builder = new SnapshotBuilder().Commit(true).Label(Label).Team(Team, "alice").Approve(Alice)
            .NoLabelEvents()
            .LabelAdded(Label, Dev, SnapshotBuilder.ReviewsStart.AddHours(-2));
        var snapshot = builder.Build();
        snapshot = snapshot with
        {
            LabelEvents = [.. snapshot.LabelEvents!.Value, new Core.Snapshots.LabelEvent("emergency-change", Erin, SnapshotBuilder.ReviewsStart.AddMinutes(30))],
        };

        var result = new FreezeWindowControl().Evaluate(new EvaluationContext(snapshot, FinGuardPolicy.Default with { FreezeWindow = Policy(BreakGlass, BlackFriday) }, At));

        Assert.Equal(ControlStatus.Fail, result.Status);
        Assert.StartsWith("does not count for break-glass: approved at 2026-11-23 09:00 UTC, before the break-glass label was applied at 2026-11-23 09:30 UTC", Assert.Single(result.Details, d => d.Subject == "alice").Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Break_glass_fails_closed_when_the_events_were_not_loaded_or_have_no_labeled_event()
    {
        var notLoaded = Evaluate(Frozen().Approve(Alice).NoLabelEvents(), Policy(BreakGlass, BlackFriday));
        Assert.Equal(ControlStatus.Error, notLoaded.Status);
        Assert.Contains(notLoaded.Details, d => d is { Subject: Label, Ok: false } && d.Message.Contains("cannot tell when and by whom the break-glass label was applied", StringComparison.Ordinal));
        Assert.Null(notLoaded.Exception);

        var noEvent = Evaluate(Frozen().Approve(Alice).LabelAdded("bug", Dev, SnapshotBuilder.ReviewsStart).NoLabelEventsFor(Label), Policy(BreakGlass, BlackFriday));
        Assert.Equal(ControlStatus.Error, noEvent.Status);
        Assert.Contains(noEvent.Details, d => d is { Subject: Label, Ok: false } && d.Message.StartsWith("GitHub's events of this pull request have no `labeled` event for the break-glass label", StringComparison.Ordinal));
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
