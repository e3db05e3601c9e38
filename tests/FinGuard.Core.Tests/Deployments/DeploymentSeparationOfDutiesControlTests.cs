using FinGuard.Core.Deployments;
using FinGuard.Core.Results;
using FinGuard.Core.Snapshots;
using FinGuard.Core.Tests.Controls;

namespace FinGuard.Core.Tests.Deployments;

public sealed class DeploymentSeparationOfDutiesControlTests
{
    private static ControlResult Evaluate(DeploymentBuilder builder, int requiredApprovals = 2) =>
        new DeploymentSeparationOfDutiesControl().Evaluate(DeploymentBuilder.Context(
            builder.Build(),
            DeploymentBuilder.With(new EnvironmentDeploymentPolicy { Name = "production", RequiredApprovals = requiredApprovals })));

    [Fact]
    public void Two_approvals_from_people_who_neither_deployed_nor_wrote_the_change_pass()
    {
        var result = Evaluate(new DeploymentBuilder().ApprovedBy(People.Carol, People.Erin));

        Assert.Equal(ControlStatus.Pass, result.Status);
        Assert.Equal("Deployed by someone who did not write the change; 2 of 2 required environment approvals. Approved by carol and erin.", result.Summary);
        Assert.Contains(result.Details, d => d.Subject == "frank" && d.Ok);
        Assert.Contains(result.Details, d => d.Subject == "dev" && d.Message == "cannot approve: opened #7; authored 01aaaaa; committed 01aaaaa");
    }

    [Fact]
    public void Without_approvals_it_waits_saying_how_many_and_from_whom_they_cannot_come()
    {
        var result = Evaluate(new DeploymentBuilder().ApprovedBy(People.Carol));

        Assert.Equal(ControlStatus.Pending, result.Status);
        Assert.Equal("1 of 2 required environment approvals; waiting for 1 more from someone who neither deployed nor wrote the change.", result.Summary);
        Assert.Contains("They cannot be dev and frank", result.HowToFix, StringComparison.Ordinal);
    }

    [Fact]
    public void The_author_deploying_their_own_change_fails_whatever_the_approvals()
    {
        var result = Evaluate(new DeploymentBuilder().DeployedBy(People.Dev).ApprovedBy(People.Carol, People.Erin));

        Assert.Equal(ControlStatus.Fail, result.Status);
        Assert.Equal("dev deployed a change they wrote; a change must be deployed by someone else.", result.Summary);
        Assert.Contains(result.Details, d => d.Subject == "dev" && !d.Ok && d.Message.StartsWith("deployed a change they wrote (opened #7", StringComparison.Ordinal));
    }

    [Fact]
    public void A_committer_or_co_author_deploying_fails_too()
    {
        var change = new SnapshotBuilder()
            .Commit(verified: true, committer: People.Mallory, message: $"Fix\n\nCo-authored-by: Erin <24+erin@users.noreply.github.com>")
            .Build();

        Assert.Equal(ControlStatus.Fail, Evaluate(new DeploymentBuilder().Decision(DeploymentBuilder.Passed(change: change)).DeployedBy(People.Mallory)).Status);
        Assert.Equal(ControlStatus.Fail, Evaluate(new DeploymentBuilder().Decision(DeploymentBuilder.Passed(change: change)).DeployedBy(People.Erin)).Status);
    }

    [Fact]
    public void Approvals_by_the_deployer_writers_and_bots_do_not_count()
    {
        var result = Evaluate(new DeploymentBuilder()
            .Review(DeploymentBuilder.Approval(People.Frank))
            .Review(DeploymentBuilder.Approval(People.Dev))
            .Review(DeploymentBuilder.Approval(People.Dependabot))
            .ApprovedBy(People.Carol));

        Assert.Equal(ControlStatus.Pending, result.Status);
        Assert.StartsWith("1 of 2 required", result.Summary, StringComparison.Ordinal);
        Assert.Contains(result.Details, d => d.Subject == "frank" && !d.Ok && d.Message == "approved the deployment, but does not count: deployed this change");
        Assert.Contains(result.Details, d => d.Subject == "dev" && !d.Ok && d.Message.StartsWith("approved the deployment, but does not count: opened #7", StringComparison.Ordinal));
        Assert.Contains(result.Details, d => d.Subject == "dependabot[bot]" && !d.Ok && d.Message.EndsWith("is a bot", StringComparison.Ordinal));
        Assert.Contains("frank, dev and dependabot[bot] reviewed, but their review does not count.", result.HowToFix, StringComparison.Ordinal);
    }

    [Fact]
    public void The_same_approver_counts_once_and_reviews_of_other_environments_not_at_all()
    {
        var result = Evaluate(new DeploymentBuilder()
            .ApprovedBy(People.Carol, People.Carol)
            .Review(DeploymentBuilder.Approval(People.Erin, environment: "staging")));

        Assert.Equal(ControlStatus.Pending, result.Status);
        Assert.StartsWith("1 of 2 required", result.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void An_eligible_rejection_fails_with_the_reviewers_comment()
    {
        var result = Evaluate(new DeploymentBuilder().ApprovedBy(People.Carol).Review(DeploymentBuilder.Approval(People.Erin, "rejected", comment: "Not during month-end")));

        Assert.Equal(ControlStatus.Fail, result.Status);
        Assert.Equal("erin rejected the deployment to production.", result.Summary);
        Assert.Contains(result.Details, d => d.Subject == "erin" && d.Message == "rejected the deployment: Not during month-end");
    }

    [Fact]
    public void With_no_approvals_required_the_deployer_rule_alone_decides()
    {
        var result = Evaluate(new DeploymentBuilder(), requiredApprovals: 0);

        Assert.Equal(ControlStatus.Pass, result.Status);
        Assert.Equal("Deployed by someone who did not write the change; this environment requires no approvals.", result.Summary);
    }

    [Fact]
    public void A_bot_deployer_is_not_a_writer_but_the_people_behind_the_run_are_checked()
    {
        var result = Evaluate(new DeploymentBuilder().DeployedBy(People.Dependabot, People.Dev).ApprovedBy(People.Carol, People.Erin));

        Assert.Equal(ControlStatus.Fail, result.Status);
        Assert.Contains(result.Details, d => d.Subject == "dependabot[bot]" && d.Ok);
    }

    [Fact]
    public void Without_a_pull_request_decision_it_cannot_tell_who_wrote_the_change_and_fails_closed()
    {
        var result = Evaluate(new DeploymentBuilder().Unmerged().ApprovedBy(People.Carol, People.Erin));

        Assert.Equal(ControlStatus.Error, result.Status);
        Assert.Contains("no pull request decision describes it", result.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void A_decision_whose_facts_could_not_be_read_fails_closed()
    {
        var result = Evaluate(new DeploymentBuilder().Decision(DeploymentBuilder.Passed() with { Change = null }));

        Assert.Equal(ControlStatus.Error, result.Status);
        Assert.Contains("the decision of #7 could not be read", result.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void A_commit_author_github_could_not_map_fails_closed()
    {
        var change = new SnapshotBuilder().CommitBy(null, authorEmail: "someone@laptop.local").Build();

        var result = Evaluate(new DeploymentBuilder().Decision(DeploymentBuilder.Passed(change: change)).ApprovedBy(People.Carol, People.Erin));

        Assert.Equal(ControlStatus.Error, result.Status);
        Assert.Contains(result.Details, d => d.Subject == "someone@laptop.local" && !d.Ok);
    }

    [Fact]
    public void Writers_are_matched_by_account_id_not_login()
    {
        var renamed = new GitHubUser("dev-renamed", People.Dev.Id, false);

        var result = Evaluate(new DeploymentBuilder().DeployedBy(renamed));

        Assert.Equal(ControlStatus.Fail, result.Status);
    }

    [Theory]
    [InlineData("read", "has read access to this repository; only people with write, maintain or admin access can approve")]
    [InlineData(null, "FinGuard could not read their permission on this repository, so it cannot tell that they may approve (fail closed)")]
    public void An_environment_approval_from_someone_without_write_access_does_not_count(string? permission, string why)
    {
        var result = Evaluate(new DeploymentBuilder().ApprovedBy(People.Carol, People.Erin).Permission(People.Erin, permission));

        Assert.Equal(ControlStatus.Pending, result.Status);
        Assert.Contains(result.Details, d => d.Subject == "erin" && !d.Ok && d.Message == $"approved the deployment, but does not count: {why}");
    }
}
