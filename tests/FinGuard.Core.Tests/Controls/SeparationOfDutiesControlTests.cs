using FinGuard.Core.Controls;
using FinGuard.Core.Policy;
using FinGuard.Core.Results;
using static FinGuard.Core.Tests.Controls.People;

namespace FinGuard.Core.Tests.Controls;

public sealed class SeparationOfDutiesControlTests
{
    private static readonly DateTimeOffset At = new(2026, 11, 23, 12, 0, 0, TimeSpan.Zero);

    private const string Head = "01aaaaa";

    /// <summary>What the details say about the pull request's author when they did not review.</summary>
    private const string DevRoles = "opened this pull request; authored 01aaaaa; committed 01aaaaa";

    private const string WaitingForOne = "1 of 2 required approvals; waiting for 1 more from someone who is not an author, committer or co-author.";

    private static ControlResult Evaluate(SnapshotBuilder builder, SeparationOfDutiesPolicy? policy = null) =>
        new SeparationOfDutiesControl().Evaluate(new EvaluationContext(
            builder.Build(),
            FinGuardPolicy.Default with { SeparationOfDuties = policy ?? new SeparationOfDutiesPolicy() },
            At));

    private static ResultDetail Detail(ControlResult result, string subject) => Assert.Single(result.Details, d => d.Subject == subject);

    private static void AssertDetail(ControlResult result, string subject, bool ok, string message)
    {
        var detail = Detail(result, subject);
        Assert.Equal(message, detail.Message);
        Assert.Equal(ok, detail.Ok);
    }

    [Fact]
    public void Two_distinct_eligible_approvals_on_the_head_pass()
    {
        var result = Evaluate(new SnapshotBuilder().Commit(true).Approve(Alice, Bob));

        Assert.Equal(ControlStatus.Pass, result.Status);
        Assert.Equal($"Approved on the current head {Head} by alice and bob (2 of 2 required approvals).", result.Summary);
        Assert.Equal<ResultDetail>(
            [
                new ResultDetail("alice", true, $"approved the current head {Head} — counts"),
                new ResultDetail("bob", true, $"approved the current head {Head} — counts"),
                new ResultDetail("dev", true, $"cannot approve: {DevRoles}"),
            ],
            result.Details);
        Assert.Null(result.HowToFix);
        Assert.Empty(result.Reasons);
    }

    [Fact]
    public void More_approvals_than_required_pass_and_say_so()
    {
        var result = Evaluate(new SnapshotBuilder().Commit(true).Approve(Alice, Bob, Carol));

        Assert.Equal(ControlStatus.Pass, result.Status);
        Assert.Equal($"Approved on the current head {Head} by alice, bob and carol (3 approvals, 2 required).", result.Summary);
    }

    [Fact]
    public void No_reviews_is_pending_and_says_who_cannot_approve()
    {
        var result = Evaluate(new SnapshotBuilder().Commit(true));

        Assert.Equal(ControlStatus.Pending, result.Status);
        Assert.Equal("0 of 2 required approvals; waiting for 2 more from someone who is not an author, committer or co-author.", result.Summary);
        Assert.Equal(
            $"Ask 2 more reviewers to approve the current head {Head}.\nThey cannot be dev ({DevRoles}).\nApprovals from bots do not count.\nOnly approvals from people with write, maintain or admin access to the repository count.",
            result.HowToFix);
        Assert.Equal<string>([$"0 of 2 required approvals; waiting for 2 more from someone who is not an author, committer or co-author."], result.Reasons);
    }

    [Fact]
    public void Pull_request_author_approving_does_not_count()
    {
        var result = Evaluate(new SnapshotBuilder().Commit(true).Approve(Dev, Alice));

        Assert.Equal(ControlStatus.Pending, result.Status);
        Assert.Equal(WaitingForOne, result.Summary);
        AssertDetail(result, "dev", false, $"approved {Head}, but does not count: {DevRoles}; pushed the current head {Head}");
        AssertDetail(result, "alice", true, $"approved the current head {Head} — counts");
        Assert.StartsWith($"Ask 1 more reviewer to approve the current head {Head}.", result.HowToFix, StringComparison.Ordinal);
    }

    [Fact]
    public void A_reviewer_who_pushed_the_current_head_approving_does_not_count()
    {
        // Alice pushed Dev's commit (she is neither its author nor its committer), then approved it.
        var result = Evaluate(new SnapshotBuilder().Commit(true).PushedBy(Alice).Approve(Alice, Bob));

        Assert.Equal(ControlStatus.Pending, result.Status);
        Assert.Equal(WaitingForOne, result.Summary);
        AssertDetail(result, "alice", false, $"approved {Head}, but does not count: pushed the current head {Head}");
        AssertDetail(result, "bob", true, $"approved the current head {Head} — counts");
        Assert.Contains($"Nor alice, who pushed the current head {Head}.", result.HowToFix, StringComparison.Ordinal);
    }

    [Fact]
    public void Everyone_who_set_the_head_is_ineligible_and_a_pusher_who_did_not_review_is_listed()
    {
        // Erin pushed; Carol closed and reopened the pull request on the same head.
        var result = Evaluate(new SnapshotBuilder().Commit(true).PushedBy(Erin, Carol).Approve(Carol, Alice, Bob));

        Assert.Equal(ControlStatus.Pass, result.Status);
        Assert.Equal($"Approved on the current head {Head} by alice and bob (2 of 2 required approvals).", result.Summary);
        AssertDetail(result, "carol", false, $"approved {Head}, but does not count: pushed the current head {Head}");
        AssertDetail(result, "erin", true, $"cannot approve: pushed the current head {Head}");
    }

    [Fact]
    public void The_pusher_of_the_head_can_still_block_with_changes_requested()
    {
        var result = Evaluate(new SnapshotBuilder().Commit(true).PushedBy(Erin).Review(Erin, "CHANGES_REQUESTED").Approve(Alice, Bob));

        Assert.Equal(ControlStatus.Fail, result.Status);
        AssertDetail(result, "erin", false, $"requested changes on {Head} — this blocks until they approve or the review is dismissed");
    }

    [Fact]
    public void An_unknown_pusher_fails_closed_and_says_how_to_make_it_known()
    {
        var result = Evaluate(new SnapshotBuilder().Commit(true).PushedBy().Approve(Alice, Bob));

        Assert.Equal(ControlStatus.Error, result.Status);
        Assert.Equal($"FinGuard cannot verify separation of duties (fail closed): it does not know who pushed the current head {Head}.", result.Summary);
        AssertDetail(result, Head, false, $"FinGuard has no pull_request delivery that set the current head {Head}, so it cannot tell who pushed it (whoever did cannot approve it)");
        Assert.Equal(
            $"Push a new commit to the branch (an empty one will do: `git commit --allow-empty`), or close and reopen the pull request: GitHub then tells FinGuard who set the head, and that person cannot approve it. FinGuard does not guess who pushed {Head}.",
            result.HowToFix);
    }

    [Fact]
    public void With_last_pusher_cannot_approve_off_the_pusher_counts_and_an_unknown_pusher_is_not_needed()
    {
        var policy = new SeparationOfDutiesPolicy { LastPusherCannotApprove = false };

        Assert.Equal(ControlStatus.Pass, Evaluate(new SnapshotBuilder().Commit(true).PushedBy(Alice).Approve(Alice, Bob), policy).Status);
        Assert.Equal(ControlStatus.Pass, Evaluate(new SnapshotBuilder().Commit(true).PushedBy().Approve(Alice, Bob), policy).Status);
    }

    [Fact]
    public void Author_of_a_commit_who_did_not_open_the_pull_request_cannot_approve()
    {
        var result = Evaluate(new SnapshotBuilder().CommitBy(Dev).CommitBy(Erin).Approve(Erin, Alice));

        Assert.Equal(ControlStatus.Pending, result.Status);
        AssertDetail(result, "erin", false, "approved 02aaaaa, but does not count: authored 02aaaaa; committed 02aaaaa");
    }

    [Fact]
    public void Committer_approving_does_not_count()
    {
        // Dev wrote the commit; Carol rebased it, so she is its committer.
        var result = Evaluate(new SnapshotBuilder().CommitBy(Dev, committer: Carol).Approve(Carol, Alice));

        Assert.Equal(ControlStatus.Pending, result.Status);
        Assert.Equal(WaitingForOne, result.Summary);
        AssertDetail(result, "carol", false, $"approved {Head}, but does not count: committed {Head}");
        AssertDetail(result, "dev", true, $"cannot approve: opened this pull request; authored {Head}");
    }

    [Theory]
    [InlineData("Frank F <25+frank@users.noreply.github.com>")]
    [InlineData("Frank F <frank@users.noreply.github.com>")]
    [InlineData("Frank F <25+Frank@USERS.NOREPLY.GITHUB.COM>")]
    public void Co_author_with_a_github_noreply_address_cannot_approve(string coAuthor)
    {
        var result = Evaluate(new SnapshotBuilder()
            .CommitBy(Dev, message: $"Add settlement fees\n\nRefs FIN-12.\n\nco-authored-by: {coAuthor}")
            .Approve(Frank, Alice));

        Assert.Equal(ControlStatus.Pending, result.Status);
        Assert.Equal(WaitingForOne, result.Summary);
        AssertDetail(result, "frank", false, $"approved {Head}, but does not count: co-authored {Head}");
    }

    [Fact]
    public void Co_author_email_is_mapped_through_another_commit_of_the_pull_request()
    {
        // Frank committed 01 (GitHub knows frank@example.com is him) and co-authored 02 with the same address.
        var result = Evaluate(new SnapshotBuilder()
            .CommitBy(Dev, committer: Frank)
            .CommitBy(Dev, message: "Fix rounding\n\nCo-Authored-By: Frank F <FRANK@example.com>")
            .Approve(Frank, Alice));

        Assert.Equal(ControlStatus.Pending, result.Status);
        AssertDetail(result, "frank", false, "approved 02aaaaa, but does not count: committed 01aaaaa; co-authored 02aaaaa");
    }

    [Fact]
    public void Co_author_email_mapped_through_a_commit_author_counts_as_that_account()
    {
        var result = Evaluate(new SnapshotBuilder()
            .CommitBy(Erin)
            .CommitBy(Dev, message: "Pair on export\n\nCo-authored-by: Erin <erin@example.com>\nSigned-off-by: Dev <dev@example.com>")
            .Approve(Alice, Bob));

        Assert.Equal(ControlStatus.Pass, result.Status);
        AssertDetail(result, "erin", true, "cannot approve: authored 01aaaaa; committed 01aaaaa; co-authored 02aaaaa");
    }

    [Fact]
    public void Unmappable_co_author_email_fails_closed_naming_it_even_with_enough_approvals()
    {
        var result = Evaluate(new SnapshotBuilder()
            .CommitBy(Dev, message: "Add ledger export\n\nCo-authored-by: Jane Roe <jane@corp.example>")
            .Approve(Alice, Bob));

        Assert.Equal(ControlStatus.Error, result.Status);
        Assert.Equal(
            "FinGuard cannot verify separation of duties (fail closed): the co-author identity `jane@corp.example` cannot be matched to a GitHub account.",
            result.Summary);
        AssertDetail(
            result,
            "jane@corp.example",
            false,
            $"co-author of {Head} (`Co-authored-by: Jane Roe <jane@corp.example>`): this email is not a GitHub no-reply address and no commit here links it to an account, so FinGuard cannot prove this person is not one of the approvers");
        AssertDetail(result, "alice", true, $"approved the current head {Head} — counts");
        Assert.Equal(
            $"`jane@corp.example` ({Head}): write the trailer with the co-author's GitHub no-reply address (`ID+login@users.noreply.github.com`, shown under their Settings → Emails) and reword the commit.",
            result.HowToFix);
        Assert.Equal<string>([$"jane@corp.example: co-author of {Head} (`Co-authored-by: Jane Roe <jane@corp.example>`): this email is not a GitHub no-reply address and no commit here links it to an account, so FinGuard cannot prove this person is not one of the approvers"], result.Reasons);
    }

    [Fact]
    public void Co_author_trailer_without_an_email_fails_closed()
    {
        var result = Evaluate(new SnapshotBuilder()
            .CommitBy(Dev, message: "Add ledger export\n\nCo-authored-by: Jane Roe")
            .Approve(Alice, Bob));

        Assert.Equal(ControlStatus.Error, result.Status);
        Assert.Equal(
            "FinGuard cannot verify separation of duties (fail closed): the co-author identity `Co-authored-by: Jane Roe` cannot be matched to a GitHub account.",
            result.Summary);
        AssertDetail(
            result,
            "Co-authored-by: Jane Roe",
            false,
            $"co-author of {Head} (`Co-authored-by: Jane Roe`): this trailer has no email address, so FinGuard cannot prove this person is not one of the approvers");
    }

    [Fact]
    public void Co_authored_by_outside_the_trailer_block_is_not_a_trailer()
    {
        var message = "Explain pairing\n\nCo-authored-by: Jane Roe <jane@corp.example> is how git records pairs.\n\nThis paragraph is the last one, so the line above is prose.";

        var result = Evaluate(new SnapshotBuilder().CommitBy(Dev, message: message).Approve(Alice, Bob));

        Assert.Equal(ControlStatus.Pass, result.Status);
        Assert.DoesNotContain(result.Details, d => d.Subject.Contains("jane", StringComparison.Ordinal));
    }

    [Fact]
    public void Approval_of_an_older_head_is_stale_and_listed_with_its_sha()
    {
        var result = Evaluate(new SnapshotBuilder()
            .CommitBy(Dev)
            .Review(Alice, "APPROVED", onCommit: 1)
            .CommitBy(Dev)
            .Approve(Bob));

        Assert.Equal(ControlStatus.Pending, result.Status);
        Assert.Equal(WaitingForOne, result.Summary);
        AssertDetail(result, "alice", false, "approved 01aaaaa, not the current head 02aaaaa — ask them to re-approve");
        Assert.Contains("alice approved an older commit: ask them to approve 02aaaaa.", result.HowToFix, StringComparison.Ordinal);
        Assert.Equal<string>(["alice: approved 01aaaaa, not the current head 02aaaaa — ask them to re-approve"], result.Reasons);
    }

    [Fact]
    public void Dismissed_review_does_not_count()
    {
        // GitHub turns a dismissed approval's state into DISMISSED.
        var result = Evaluate(new SnapshotBuilder().Commit(true).Review(Alice, "DISMISSED").Approve(Bob));

        Assert.Equal(ControlStatus.Pending, result.Status);
        AssertDetail(result, "alice", false, "review was dismissed, so it no longer counts");
    }

    [Fact]
    public void Dismissal_after_an_approval_cancels_it_and_a_new_approval_restores_it()
    {
        var dismissed = Evaluate(new SnapshotBuilder().Commit(true).Approve(Alice).Review(Alice, "DISMISSED").Approve(Bob));
        var reapproved = Evaluate(new SnapshotBuilder().Commit(true).Review(Alice, "DISMISSED").Approve(Alice, Bob));

        Assert.Equal(ControlStatus.Pending, dismissed.Status);
        AssertDetail(dismissed, "alice", false, "review was dismissed, so it no longer counts");
        Assert.Equal(ControlStatus.Pass, reapproved.Status);
        AssertDetail(reapproved, "alice", true, $"approved the current head {Head} — counts");
    }

    [Fact]
    public void Changes_requested_then_approved_by_the_same_reviewer_counts()
    {
        var result = Evaluate(new SnapshotBuilder().Commit(true).Review(Alice, "CHANGES_REQUESTED").Approve(Alice, Bob));

        Assert.Equal(ControlStatus.Pass, result.Status);
        Assert.Equal($"Approved on the current head {Head} by alice and bob (2 of 2 required approvals).", result.Summary);
    }

    [Fact]
    public void Outstanding_changes_requested_fails_naming_the_reviewer()
    {
        var result = Evaluate(new SnapshotBuilder().Commit(true).Approve(Alice, Bob).Review(Carol, "CHANGES_REQUESTED").Review(Carol, "COMMENTED"));

        Assert.Equal(ControlStatus.Fail, result.Status);
        Assert.Equal("Changes requested by carol block this pull request (2 of 2 required approvals on the current head).", result.Summary);
        AssertDetail(result, "carol", false, $"requested changes on {Head} — this blocks until they approve or the review is dismissed");
        Assert.Equal(
            "Address the requested changes, then ask carol to approve the current head; if the review no longer applies, someone with write access can dismiss it.",
            result.HowToFix);
        Assert.Equal<string>([$"carol: requested changes on {Head} — this blocks until they approve or the review is dismissed"], result.Reasons);
    }

    [Fact]
    public void Changes_requested_after_an_approval_by_the_same_reviewer_blocks()
    {
        var result = Evaluate(new SnapshotBuilder().Commit(true).Approve(Alice, Bob).Review(Alice, "CHANGES_REQUESTED"));

        Assert.Equal(ControlStatus.Fail, result.Status);
        Assert.Equal("Changes requested by alice block this pull request (1 of 2 required approvals on the current head).", result.Summary);
    }

    [Fact]
    public void Changes_requested_on_an_older_head_still_blocks()
    {
        var result = Evaluate(new SnapshotBuilder().CommitBy(Dev).Review(Carol, "CHANGES_REQUESTED", onCommit: 1).CommitBy(Dev).Approve(Alice, Bob));

        Assert.Equal(ControlStatus.Fail, result.Status);
        AssertDetail(result, "carol", false, "requested changes on 01aaaaa — this blocks until they approve or the review is dismissed");
    }

    [Fact]
    public void Changes_requested_does_not_block_when_the_policy_says_so()
    {
        var result = Evaluate(
            new SnapshotBuilder().Commit(true).Approve(Alice, Bob).Review(Carol, "CHANGES_REQUESTED"),
            new SeparationOfDutiesPolicy { BlockOnChangesRequested = false });

        Assert.Equal(ControlStatus.Pass, result.Status);
        AssertDetail(result, "carol", false, $"requested changes on {Head}; not blocking under this policy");
    }

    [Theory]
    [InlineData("dev", "opened this pull request; authored 01aaaaa")]
    [InlineData("carol", "committed 01aaaaa")]
    [InlineData("dependabot[bot]", "is a bot")]
    [InlineData("mallory", "is excluded from approving by this policy")]
    public void Changes_requested_by_someone_who_cannot_approve_does_not_block(string login, string why)
    {
        var reviewer = new[] { Dev, Carol, Dependabot, Mallory }.Single(u => u.Login == login);

        var result = Evaluate(
            new SnapshotBuilder().CommitBy(Dev, committer: Carol).Review(reviewer, "CHANGES_REQUESTED").Approve(Alice, Bob),
            new SeparationOfDutiesPolicy { ExcludedApprovers = ["mallory"] });

        Assert.Equal(ControlStatus.Pass, result.Status);
        AssertDetail(result, login, false, $"requested changes on {Head}, but does not block: {why}");
    }

    [Fact]
    public void Changes_requested_by_a_reviewer_outside_the_approver_teams_still_blocks()
    {
        var result = Evaluate(
            new SnapshotBuilder().Commit(true).Team("octo/approvers", "alice", "bob").Approve(Alice, Bob).Review(Carol, "CHANGES_REQUESTED"),
            new SeparationOfDutiesPolicy { ApproverTeams = ["octo/approvers"] });

        Assert.Equal(ControlStatus.Fail, result.Status);
        Assert.Equal("Changes requested by carol block this pull request (2 of 2 required approvals on the current head).", result.Summary);
    }

    [Fact]
    public void Comment_after_an_approval_keeps_the_approval()
    {
        var result = Evaluate(new SnapshotBuilder().Commit(true).Approve(Alice).Review(Alice, "COMMENTED").Review(Alice, "PENDING").Approve(Bob));

        Assert.Equal(ControlStatus.Pass, result.Status);
        AssertDetail(result, "alice", true, $"approved the current head {Head} — counts");
    }

    [Fact]
    public void Comment_only_review_is_listed_and_does_not_count()
    {
        var result = Evaluate(new SnapshotBuilder().Commit(true).Review(Carol, "COMMENTED").Approve(Alice));

        Assert.Equal(ControlStatus.Pending, result.Status);
        AssertDetail(result, "carol", false, "commented without approving");
    }

    [Fact]
    public void Reviews_are_ordered_by_submission_time_then_id()
    {
        // Alice: the approval was submitted later, though its id is lower. Bob: same time, the higher id (the approval) is later.
        var later = SnapshotBuilder.ReviewsStart.AddHours(1);
        var result = Evaluate(new SnapshotBuilder()
            .Commit(true)
            .Review(Alice, "APPROVED", at: later, id: 1)
            .Review(Alice, "CHANGES_REQUESTED", at: SnapshotBuilder.ReviewsStart, id: 2)
            .Review(Bob, "APPROVED", at: later, id: 4)
            .Review(Bob, "DISMISSED", at: later, id: 3));

        Assert.Equal(ControlStatus.Pass, result.Status);
        AssertDetail(result, "alice", true, $"approved the current head {Head} — counts");
        AssertDetail(result, "bob", true, $"approved the current head {Head} — counts");
    }

    [Fact]
    public void Reviews_submitted_in_the_other_order_decide_the_other_way()
    {
        var later = SnapshotBuilder.ReviewsStart.AddHours(1);
        var result = Evaluate(new SnapshotBuilder()
            .Commit(true)
            .Review(Alice, "APPROVED", at: SnapshotBuilder.ReviewsStart, id: 2)
            .Review(Alice, "CHANGES_REQUESTED", at: later, id: 1)
            .Review(Bob, "APPROVED", at: later, id: 3)
            .Review(Bob, "DISMISSED", at: later, id: 4));

        Assert.Equal(ControlStatus.Fail, result.Status);
        Assert.Equal("Changes requested by alice block this pull request (0 of 2 required approvals on the current head).", result.Summary);
        AssertDetail(result, "bob", false, "review was dismissed, so it no longer counts");
    }

    [Fact]
    public void Unknown_review_state_cancels_an_earlier_approval()
    {
        var result = Evaluate(new SnapshotBuilder().Commit(true).Approve(Alice).Review(Alice, "ESCALATED").Approve(Bob));

        Assert.Equal(ControlStatus.Pending, result.Status);
        AssertDetail(result, "alice", false, "latest review state `ESCALATED` is not one FinGuard knows, so it does not count as an approval");
    }

    [Fact]
    public void Review_states_are_matched_case_insensitively()
    {
        var result = Evaluate(new SnapshotBuilder().Commit(true).Review(Alice, "approved").Review(Bob, "Approved"));

        Assert.Equal(ControlStatus.Pass, result.Status);
    }

    [Fact]
    public void Bot_approval_does_not_count()
    {
        var result = Evaluate(new SnapshotBuilder().Commit(true).Approve(Dependabot, Alice));

        Assert.Equal(ControlStatus.Pending, result.Status);
        Assert.Equal(WaitingForOne, result.Summary);
        AssertDetail(result, "dependabot[bot]", false, $"approved {Head}, but does not count: is a bot");
    }

    [Fact]
    public void Excluded_approver_does_not_count_matched_case_insensitively()
    {
        var result = Evaluate(
            new SnapshotBuilder().Commit(true).Approve(Alice, Bob),
            new SeparationOfDutiesPolicy { ExcludedApprovers = ["ALICE"] });

        Assert.Equal(ControlStatus.Pending, result.Status);
        AssertDetail(result, "alice", false, $"approved {Head}, but does not count: is excluded from approving by this policy");
        Assert.Equal(
            $"Ask 1 more reviewer to approve the current head {Head}.\nThey cannot be dev ({DevRoles}).\nApprovals from bots and from ALICE (excluded by policy) do not count.\nOnly approvals from people with write, maintain or admin access to the repository count.",
            result.HowToFix);
    }

    [Fact]
    public void Approver_teams_count_members_of_any_listed_team_only()
    {
        var builder = new SnapshotBuilder()
            .Commit(true)
            .Team("octo/payments-approvers", "ALICE")
            .Team("octo/security", "bob")
            .Approve(Alice, Bob, Carol);

        var result = Evaluate(builder, new SeparationOfDutiesPolicy { ApproverTeams = ["octo/payments-approvers", "octo/security"], RequiredApprovals = 3 });

        Assert.Equal(ControlStatus.Pending, result.Status);
        Assert.Equal(
            "2 of 3 required approvals; waiting for 1 more from someone who is not an author, committer or co-author and is a member of octo/payments-approvers or octo/security.",
            result.Summary);
        AssertDetail(result, "alice", true, $"approved the current head {Head} — counts");
        AssertDetail(result, "bob", true, $"approved the current head {Head} — counts");
        AssertDetail(result, "carol", false, $"approved {Head}, but does not count: is not a member of octo/payments-approvers or octo/security");
    }

    [Fact]
    public void Approver_team_members_pass()
    {
        var result = Evaluate(
            new SnapshotBuilder().Commit(true).Team("octo/payments-approvers", "alice", "bob").Approve(Alice, Bob),
            new SeparationOfDutiesPolicy { ApproverTeams = ["octo/payments-approvers"] });

        Assert.Equal(ControlStatus.Pass, result.Status);
    }

    [Fact]
    public void Approver_team_whose_members_were_not_loaded_fails_closed()
    {
        var result = Evaluate(
            new SnapshotBuilder().Commit(true).Team("octo/payments-approvers", "alice", "bob").Approve(Alice, Bob),
            new SeparationOfDutiesPolicy { ApproverTeams = ["octo/payments-approvers", "octo/security"] });

        Assert.Equal(ControlStatus.Error, result.Status);
        Assert.Equal("FinGuard cannot verify separation of duties (fail closed): the members of approver team `octo/security` were not loaded.", result.Summary);
        AssertDetail(result, "octo/security", false, "the members of this approver team were not loaded, so FinGuard cannot check approvers against it");
        Assert.Equal(
            "`octo/security`: re-run FinGuard; if this persists, check that the team exists and that FinGuard may read its members (organization permission Members: read).",
            result.HowToFix);
    }

    [Fact]
    public void Duplicate_approvals_by_the_same_user_count_once()
    {
        var renamed = Alice with { Login = "alice-renamed" };

        var result = Evaluate(new SnapshotBuilder().Commit(true).Approve(Alice, Alice, renamed));

        Assert.Equal(ControlStatus.Pending, result.Status);
        Assert.Equal(WaitingForOne, result.Summary);
        AssertDetail(result, "alice-renamed", true, $"approved the current head {Head} — counts");
        Assert.DoesNotContain(result.Details, d => d.Subject == "alice");
    }

    [Fact]
    public void One_required_approval_passes_with_one()
    {
        var result = Evaluate(new SnapshotBuilder().Commit(true).Approve(Alice), new SeparationOfDutiesPolicy { RequiredApprovals = 1 });

        Assert.Equal(ControlStatus.Pass, result.Status);
        Assert.Equal($"Approved on the current head {Head} by alice (1 of 1 required approval).", result.Summary);
    }

    [Fact]
    public void One_required_approval_pending_with_none()
    {
        var result = Evaluate(new SnapshotBuilder().Commit(true), new SeparationOfDutiesPolicy { RequiredApprovals = 1 });

        Assert.Equal(ControlStatus.Pending, result.Status);
        Assert.Equal("0 of 1 required approval; waiting for 1 more from someone who is not an author, committer or co-author.", result.Summary);
    }

    [Fact]
    public void Required_approvals_below_one_is_an_error()
    {
        var result = Evaluate(new SnapshotBuilder().Commit(true), new SeparationOfDutiesPolicy { RequiredApprovals = 0 });

        Assert.Equal(ControlStatus.Error, result.Status);
        Assert.Equal("The policy requires 0 approvals; separation of duties needs at least 1.", result.Summary);
        Assert.Equal("Fix the policy: set the required approvals to 1 or more, or disable separation-of-duties.", result.HowToFix);
    }

    [Fact]
    public void Unmapped_commit_author_email_fails_closed_naming_email_and_commit()
    {
        var result = Evaluate(new SnapshotBuilder()
            .CommitBy(Dev)
            .CommitBy(null, authorEmail: "ghost@corp.example", authorName: "Ghost Writer", committer: Dev)
            .Approve(Alice, Bob));

        Assert.Equal(ControlStatus.Error, result.Status);
        Assert.Equal(
            "FinGuard cannot verify separation of duties (fail closed): GitHub could not link the commit author email `ghost@corp.example` to an account.",
            result.Summary);
        AssertDetail(
            result,
            "ghost@corp.example",
            false,
            "author (Ghost Writer) of 02aaaaa: GitHub could not link this email to an account, so FinGuard cannot prove the author is not one of the approvers");
        Assert.Equal(
            "`ghost@corp.example` (02aaaaa): add and verify this email on the author's GitHub account, or rewrite the commit with a mapped email.",
            result.HowToFix);
    }

    [Fact]
    public void Unmapped_committer_email_fails_closed()
    {
        var result = Evaluate(new SnapshotBuilder().CommitBy(Dev, committerEmail: "builder@ci.example").Approve(Alice, Bob));

        Assert.Equal(ControlStatus.Error, result.Status);
        Assert.Equal(
            "FinGuard cannot verify separation of duties (fail closed): GitHub could not link the committer email `builder@ci.example` to an account.",
            result.Summary);
        AssertDetail(
            result,
            "builder@ci.example",
            false,
            $"committer (Someone) of {Head}: GitHub could not link this email to an account, so FinGuard cannot prove the committer is not one of the approvers");
    }

    [Fact]
    public void Several_problems_are_all_named()
    {
        var result = Evaluate(
            new SnapshotBuilder()
                .CommitBy(null, authorEmail: "a@corp.example", committer: Dev, message: "One\n\nCo-authored-by: J <j@corp.example>")
                .CommitBy(null, authorEmail: "a@corp.example", committer: Dev),
            new SeparationOfDutiesPolicy { ApproverTeams = ["octo/x"] });

        Assert.Equal(ControlStatus.Error, result.Status);
        Assert.Equal(
            "FinGuard cannot verify separation of duties (fail closed): GitHub could not link the commit author email `a@corp.example` to an account; "
            + "the co-author identity `j@corp.example` cannot be matched to a GitHub account; the members of approver team `octo/x` were not loaded.",
            result.Summary);
        AssertDetail(
            result,
            "a@corp.example",
            false,
            "author (Unknown) of 01aaaaa and 02aaaaa: GitHub could not link this email to an account, so FinGuard cannot prove the author is not one of the approvers");
    }

    [Fact]
    public void Web_flow_committer_is_not_a_person()
    {
        var result = Evaluate(new SnapshotBuilder().CommitBy(Dev, committer: WebFlow).Approve(Alice, Bob));

        Assert.Equal(ControlStatus.Pass, result.Status);
        Assert.DoesNotContain(result.Details, d => d.Subject == "web-flow");
        AssertDetail(result, "dev", true, $"cannot approve: opened this pull request; authored {Head}");
    }

    [Fact]
    public void Missing_commits_fail_closed()
    {
        var result = Evaluate(new SnapshotBuilder().Commit(true).ReportedCount(2).Approve(Alice, Bob));

        Assert.Equal(ControlStatus.Error, result.Status);
        Assert.Equal("GitHub reported 2 commits but listed only 1; FinGuard cannot tell who authored the commits it has not seen.", result.Summary);
    }

    [Fact]
    public void More_than_3000_commits_fail_closed()
    {
        var result = Evaluate(new SnapshotBuilder().ReportedCount(3001));

        Assert.Equal(ControlStatus.Error, result.Status);
        Assert.Equal("This pull request has 3001 commits; FinGuard reads at most 3000, so it cannot tell who authored all of them.", result.Summary);
        Assert.Equal("Split the change into pull requests of at most 3000 commits, or squash commits on the branch.", result.HowToFix);
    }

    [Theory]
    [InlineData(251)]
    [InlineData(3000)]
    public void More_than_250_commits_all_listed_are_judged_like_any_other(int count)
    {
        var result = Evaluate(new SnapshotBuilder().Commits(count, verified: true).Approve(Alice, Bob));

        Assert.Equal(ControlStatus.Pass, result.Status);
        AssertDetail(result, "dev", true, $"cannot approve: opened this pull request; authored {SnapshotBuilder.Short(1)}, {SnapshotBuilder.Short(2)}, {SnapshotBuilder.Short(3)} and {count - 3} more; committed {SnapshotBuilder.Short(1)}, {SnapshotBuilder.Short(2)}, {SnapshotBuilder.Short(3)} and {count - 3} more");
    }

    [Fact]
    public void Disabled_by_policy_is_skipped()
    {
        var result = Evaluate(new SnapshotBuilder().Commit(true), new SeparationOfDutiesPolicy { Enabled = false });

        Assert.Equal(ControlStatus.Skipped, result.Status);
        Assert.Equal("Disabled by policy.", result.Summary);
    }

    [Fact]
    public void Default_policy_arrays_do_not_crash()
    {
        var policy = new SeparationOfDutiesPolicy { ExcludedApprovers = default, ApproverTeams = default };

        var result = Evaluate(new SnapshotBuilder().Commit(true).Approve(Alice, Bob), policy);

        Assert.Equal(ControlStatus.Pass, result.Status);
    }

    [Fact]
    public void Many_commits_are_abbreviated_in_roles()
    {
        var builder = new SnapshotBuilder();
        for (var i = 0; i < 5; i++)
        {
            builder.CommitBy(Erin);
        }

        var result = Evaluate(builder.Approve(Alice, Bob));

        AssertDetail(result, "erin", true, "cannot approve: authored 01aaaaa, 02aaaaa, 03aaaaa and 2 more; committed 01aaaaa, 02aaaaa, 03aaaaa and 2 more");
        Assert.Equal<string>(["alice", "bob", "dev", "erin"], result.Details.Select(d => d.Subject));
    }

    [Theory]
    [InlineData("read", "read", "has read access to this repository; only people with write, maintain or admin access can approve")]
    [InlineData("read", "triage", "has triage (base permission read) access to this repository; only people with write, maintain or admin access can approve")]
    [InlineData("read", "security-reviewer", "has security-reviewer (base permission read) access to this repository; only people with write, maintain or admin access can approve")]
    [InlineData("none", "none", "has none access to this repository; only people with write, maintain or admin access can approve")]
    public void An_approval_from_someone_without_write_access_does_not_count(string permission, string role, string why)
    {
        var result = Evaluate(new SnapshotBuilder().Commit(true).Approve(Alice, Bob).Permission(Bob, permission, role));

        Assert.Equal(ControlStatus.Pending, result.Status);
        Assert.Equal(WaitingForOne, result.Summary);
        AssertDetail(result, "bob", false, $"approved {Head}, but does not count: {why}");
        AssertDetail(result, "alice", true, $"approved the current head {Head} — counts");
        Assert.Contains("Only approvals from people with write, maintain or admin access to the repository count.", result.HowToFix, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("write", "write")]
    [InlineData("write", "maintain")]
    [InlineData("admin", "admin")]
    [InlineData("write", "release-manager")]
    public void An_approval_from_someone_whose_base_permission_is_write_or_higher_counts(string permission, string role)
    {
        var result = Evaluate(new SnapshotBuilder().Commit(true).Approve(Alice, Bob).Permission(Bob, permission, role));

        Assert.Equal(ControlStatus.Pass, result.Status);
        AssertDetail(result, "bob", true, $"approved the current head {Head} — counts");
    }

    [Fact]
    public void An_approval_whose_permission_could_not_be_read_does_not_count_and_says_so()
    {
        var result = Evaluate(new SnapshotBuilder().Commit(true).Approve(Alice, Bob).Permission(Bob, null));

        Assert.Equal(ControlStatus.Pending, result.Status);
        AssertDetail(result, "bob", false, $"approved {Head}, but does not count: FinGuard could not read their permission on this repository, so it cannot tell that they may approve (fail closed)");
    }

    [Fact]
    public void Without_require_write_access_a_read_only_approval_counts()
    {
        var result = Evaluate(
            new SnapshotBuilder().Commit(true).Approve(Alice, Bob).Permission(Bob, "read").Permission(Alice, null),
            new SeparationOfDutiesPolicy { RequireWriteAccess = false });

        Assert.Equal(ControlStatus.Pass, result.Status);
        Assert.DoesNotContain("write", result.HowToFix ?? "", StringComparison.Ordinal);
    }

    [Fact]
    public void Changes_requested_by_a_read_only_reviewer_still_blocks_as_on_github()
    {
        var result = Evaluate(new SnapshotBuilder().Commit(true).Approve(Alice, Bob).Review(Carol, "CHANGES_REQUESTED").Permission(Carol, "read"));

        Assert.Equal(ControlStatus.Fail, result.Status);
        AssertDetail(result, "carol", false, $"requested changes on {Head} — this blocks until they approve or the review is dismissed");
    }

    [Fact]
    public void Every_reason_an_approval_does_not_count_is_listed()
    {
        var result = Evaluate(
            new SnapshotBuilder().Commit(true).Approve(Alice, Bob).Permission(Alice, "read"),
            new SeparationOfDutiesPolicy { ExcludedApprovers = ["alice"] });

        AssertDetail(result, "alice", false, $"approved {Head}, but does not count: is excluded from approving by this policy; has read access to this repository; only people with write, maintain or admin access can approve");
    }
}
