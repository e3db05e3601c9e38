using System.Text.Json;
using FinGuard.Core.Evidence;
using FinGuard.Core.Results;
using FinGuard.GitHub.Deployments;

namespace FinGuard.GitHub.Tests.Deployments;

public sealed class DeploymentCommentRendererTests
{
    private static EvidenceRecord Record(string state, params EvidenceControl[] controls) => new()
    {
        EventId = "0190a7c3-0000-7000-8000-000000000000",
        Sequence = 5,
        Chain = "octo/app",
        Timestamp = new DateTimeOffset(2026, 11, 24, 10, 0, 0, TimeSpan.Zero),
        FinGuardVersion = "0.1.0",
        Mode = "development",
        Action = "deployment.evaluate",
        Source = "github-webhook:deployment_protection_rule.requested",
        DeliveryId = "d-1",
        Actor = new EvidenceActor("user", 1, "dave"),
        Subject = new EvidenceSubject { Type = "deployment", Id = "octo/app@production#9", Repository = "octo/app", HeadSha = new string('a', 40) },
        Facts = [],
        Policy = new EvidencePolicy("default", [], JsonDocument.Parse("{}").RootElement),
        Result = new EvidenceResult(state == "approved" ? "pass" : "fail", state == "approved" ? "success" : "failure", "x", "Deployment of aaaaaaa to production", controls),
        Deployment = new EvidenceDeployment { Environment = "production", RunId = 3, RefKind = "branch", State = state, Rollback = false },
        Links = [new EvidenceLink(EvidenceLink.PullRequestDecision, "octo/app", 3, new string('c', 64))],
    };

    [Fact]
    public void The_decision_comment_explains_every_control_and_names_the_evidence()
    {
        var record = Record(
            "rejected",
            new EvidenceControl("chain-of-custody", "pass", "is the merge commit of #7 | passed", []),
            new EvidenceControl("deployment-separation-of-duties", "fail", "dave deployed a change they wrote.", ["dave: deployed a change they wrote (authored 01aaaaa)"]),
            new EvidenceControl("freeze-window", "skipped", "No freeze window applies to production.", []));

        var comment = DeploymentCommentRenderer.RenderDecision(record, "octo/app/000000000005.json", new Dictionary<string, string> { ["deployment-separation-of-duties"] = "Ask someone else\nto deploy." });

        Assert.Equal(
            """
            ## ❌ FinGuard rejected this deployment
            Deployment of aaaaaaa to production

            | Control | Result |
            |---|---|
            | ✅ Chain of custody | is the merge commit of #7 \| passed |
            | ❌ Deployment separation of duties | dave deployed a change they wrote. |
            | ➖ Freeze window | No freeze window applies to production. |

            ### ❌ Deployment separation of duties
            - dave: deployed a change they wrote (authored 01aaaaa)

            **How to fix:** Ask someone else to deploy.

            Evidence: `octo/app/000000000005.json` (record 5 of `octo/app`); pull request decisions: `octo/app#3`.

            """.ReplaceLineEndings("\n"),
            comment.ReplaceLineEndings("\n"));
    }

    [Fact]
    public void A_very_long_decision_comment_is_cut_saying_so()
    {
        var record = Record("rejected", new EvidenceControl("chain-of-custody", "fail", "no", [.. Enumerable.Range(0, 2000).Select(i => $"reason {i} with some words to make it long")]));

        var comment = DeploymentCommentRenderer.RenderDecision(record, "b");

        Assert.Equal(DeploymentCommentRenderer.MaxDecisionCommentLength, comment.Length);
        Assert.EndsWith("(cut; the evidence record has every detail)", comment, StringComparison.Ordinal);
    }

    [Fact]
    public void A_progress_comment_is_at_most_1024_characters()
    {
        var pending = new ControlResult
        {
            Id = "deployment-separation-of-duties",
            Name = "Deployment separation of duties",
            Status = ControlStatus.Pending,
            Summary = "0 of 2 required environment approvals; waiting for 2 more.",
            HowToFix = string.Join('\n', Enumerable.Range(0, 200).Select(i => $"line {i}")),
        };
        var result = EvaluationResult.FromControls([pending, pending with { Id = "chain-of-custody", Status = ControlStatus.Pass, HowToFix = null }]);

        var comment = DeploymentCommentRenderer.RenderProgress(result, "production");

        Assert.Equal(DeploymentProtectionRuleClient.MaxProgressCommentLength, comment.Length);
        Assert.StartsWith("⏳ FinGuard is waiting before deploying to production: 0 of 2 required environment approvals; waiting for 2 more. line 0 line 1", comment, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', comment);
    }
}
