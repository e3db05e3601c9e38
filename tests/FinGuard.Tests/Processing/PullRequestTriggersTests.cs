using System.Text;
using System.Text.Json.Nodes;
using FinGuard.GitHub.Webhooks;
using FinGuard.Processing;
using FinGuard.Testing.Scenarios;

namespace FinGuard.Tests.Processing;

/// <summary>Which recorded GitHub deliveries trigger an evaluation, and of which pull requests.</summary>
public sealed class PullRequestTriggersTests
{
    private static IReadOnlyList<int> Triggered(string eventName, JsonObject payload)
    {
        var parsed = WebhookPayloadParser.Parse(eventName, Encoding.UTF8.GetBytes(payload.ToJsonString()));
        Assert.True(parsed.IsParsed, parsed.Error);
        return PullRequestTriggers.PullRequestsToEvaluate(parsed.Payload);
    }

    public static TheoryData<string> PullRequestActions()
    {
        var data = new TheoryData<string>();
        foreach (var action in WebhookExamples.All("pull_request").Select(p => (string)p["action"]!).Distinct())
        {
            data.Add(action);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(PullRequestActions))]
    public void Pull_request_actions_that_can_change_a_decision_trigger_and_others_do_not(string action)
    {
        var payload = WebhookExamples.First("pull_request", action);
        var expected = action is "opened" or "synchronize" or "reopened" or "ready_for_review" or "labeled" or "unlabeled";

        var numbers = Triggered("pull_request", payload);

        Assert.Equal(expected ? [(int)payload["number"]!] : [], numbers);
    }

    [Fact]
    public void An_edit_triggers_only_when_the_base_branch_changed()
    {
        var payload = WebhookExamples.First("pull_request", "opened");
        payload["action"] = "edited";
        payload["changes"] = new JsonObject { ["title"] = new JsonObject { ["from"] = "old title" } };
        Assert.Empty(Triggered("pull_request", payload));

        payload["changes"] = new JsonObject { ["base"] = new JsonObject { ["ref"] = new JsonObject { ["from"] = "develop" } } };
        Assert.Equal([(int)payload["number"]!], Triggered("pull_request", payload));
    }

    [Theory]
    [InlineData("submitted")]
    [InlineData("dismissed")]
    [InlineData("edited")]
    public void Review_submitted_edited_and_dismissed_trigger(string action)
    {
        var payload = WebhookExamples.All("pull_request_review").FirstOrDefault(p => (string?)p["action"] == action)
            ?? WebhookExamples.First("pull_request_review", "submitted");
        payload["action"] = action;

        Assert.Equal([(int)payload["pull_request"]!["number"]!], Triggered("pull_request_review", payload));
    }

    [Fact]
    public void Check_run_rerequested_triggers_its_pull_requests()
    {
        var payload = WebhookExamples.First("check_run", "rerequested");
        var expected = payload["check_run"]!["pull_requests"]!.AsArray().Select(p => (int)p!["number"]!).Distinct();

        Assert.Equal(expected, Triggered("check_run", payload));
    }

    [Fact]
    public void Only_our_re_run_button_triggers_on_requested_action()
    {
        var payload = WebhookExamples.First("check_run", "requested_action");
        payload["check_run"]!["pull_requests"] = new JsonArray(new JsonObject
        {
            ["number"] = 77,
            ["url"] = "https://api.github.com/repos/o/r/pulls/77",
            ["id"] = 1,
            ["head"] = new JsonObject { ["ref"] = "f", ["sha"] = new string('a', 40), ["repo"] = new JsonObject { ["id"] = 1, ["url"] = "https://api.github.com/repos/o/r", ["name"] = "r" } },
            ["base"] = new JsonObject { ["ref"] = "main", ["sha"] = new string('b', 40), ["repo"] = new JsonObject { ["id"] = 1, ["url"] = "https://api.github.com/repos/o/r", ["name"] = "r" } },
        });
        payload["requested_action"] = new JsonObject { ["identifier"] = "someone-elses-button" };
        Assert.Empty(Triggered("check_run", payload));

        payload["requested_action"] = new JsonObject { ["identifier"] = FinGuard.GitHub.Checks.CheckRunPublisher.RerunActionIdentifier };
        Assert.Equal([77], Triggered("check_run", payload));
    }

    [Fact]
    public void Check_run_completed_does_not_trigger()
    {
        Assert.Empty(Triggered("check_run", WebhookExamples.First("check_run", "completed")));
    }
}
