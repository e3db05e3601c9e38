using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using FinGuard.GitHub.Evaluation;
using FinGuard.GitHub.Snapshots;
using FinGuard.GitHub.Webhooks;
using FinGuard.Testing.Fuzzing;
using FinGuard.Testing.Scenarios;

namespace FinGuard.GitHub.Tests.Snapshots;

/// <summary>
/// Fuzzing what GitHub sends: GitHub's own response examples and recorded webhook payloads with random values replaced
/// by other types, removed, or swapped for huge arrays. Evaluating a pull request from mutated responses either
/// decides or fails with a <see cref="GitHubFactsException"/> that names what is wrong — never another exception
/// (a <see cref="NullReferenceException"/>, an <see cref="InvalidOperationException"/> from <c>JsonElement</c>) that
/// would surface as a crash. Parsing a mutated webhook payload returns a result or a format error and never throws.
/// Seeded, so a failure reproduces; the failing input is printed.
/// </summary>
public sealed class GitHubResponseMutationTests
{
    private static readonly DateTimeOffset At = new(2026, 12, 3, 12, 0, 0, TimeSpan.Zero);

    private static PullRequestScenario Scenario() =>
        new PullRequestScenario("octo-org", "payments", 42)
            .WithCommit(verified: true, message: "One\n\nCo-authored-by: Dana <dana@example.com>")
            .WithCommit(verified: false, reason: "unsigned")
            .WithTwoIndependentApprovals()
            .WithReview("dev-alice", 5001);

    [Theory]
    [InlineData(20261203)]
    [InlineData(7)]
    public void Mutated_pull_request_responses_decide_or_fail_with_a_facts_error(int seed)
    {
        var scenario = Scenario();
        scenario.RepositoryPolicy = "version: 1\nseparation-of-duties:\n  required-approvals: 2\n";
        var originals = new[] { scenario.PullJson().ToJsonString(), scenario.CommitPages()[0], scenario.ReviewsJson() };
        var (decided, refused) = Fuzz(originals, seed, json =>
        {
            var facts = new PullRequestFactSet
            {
                Repository = scenario.FullName,
                Pull = Element(json[0]),
                CommitPages = [Element(json[1])],
                ReviewPages = [Element(json[2])],
                RepositoryPolicy = new PolicyFile(scenario.FullName, ".github/finguard.yml", "main", null, scenario.RepositoryPolicy),
            };
            Assert.NotNull(PullRequestEvaluator.Evaluate(facts, At).Result);
        });

        // Both outcomes must occur, or the mutations are not reaching the parser.
        Assert.True(decided > 100 && refused > 100, $"decided {decided}, refused {refused}");
    }

    [Theory]
    [InlineData(20261204)]
    [InlineData(11)]
    public void Mutated_deployment_facts_decide_or_fail_with_a_facts_error(int seed)
    {
        var scenario = new FinGuard.Testing.Deployments.DeploymentScenario("octo-org", "payments")
            .WithApproval(new FinGuard.Testing.Deployments.ScenarioUser("approver-erin", 9301))
            .WithApproval(new FinGuard.Testing.Deployments.ScenarioUser("approver-frank", 9302), comment: "emergency-change");
        scenario.Pulls.Add(new FinGuard.Testing.Deployments.ScenarioPull(42, PullRequestScenario.NewSha(), scenario.Sha, Merged: true));
        var originals = new[]
        {
            scenario.ProtectionRulePayload(new Uri("https://api.github.com/repos/octo-org/payments/actions/runs/5453085689/deployment_protection_rule")).ToJsonString(),
            scenario.WorkflowRunJson().ToJsonString(),
            scenario.ApprovalsJson().ToJsonString(),
            scenario.PullsJson().ToJsonString(),
        };
        var policy = PullRequestEvaluator.ResolvePolicy(null, new PolicyFile(scenario.FullName, ".github/finguard.yml", null, null, "version: 1\nfreeze-window:\n  break-glass:\n    label: emergency-change\n    approver-teams: [octo-org/cab]\n"));
        var (decided, refused) = Fuzz(originals, seed, json =>
        {
            var facts = new FinGuard.GitHub.Deployments.DeploymentFactSet
            {
                Repository = scenario.FullName,
                Payload = Element(json[0]),
                WorkflowRun = Element(json[1]),
                ApprovalPages = [Element(json[2])],
                CommitPullPages = [Element(json[3])],
            };
            var snapshot = FinGuard.GitHub.Deployments.DeploymentSnapshotParser.Parse(facts, scenario.Environment, scenario.RunId, [], null);
            Assert.NotNull(FinGuard.GitHub.Deployments.DeploymentEvaluation.Evaluate(snapshot, policy, At));
        });

        Assert.True(decided > 100 && refused > 0, $"decided {decided}, refused {refused}");
    }

    [Theory]
    [InlineData("pull_request")]
    [InlineData("pull_request_review")]
    [InlineData("check_run")]
    [InlineData("check_suite")]
    [InlineData("workflow_run")]
    [InlineData("deployment_protection_rule")]
    [InlineData("deployment_review")]
    [InlineData("installation")]
    public void Mutated_webhook_payloads_parse_or_are_format_errors(string eventName)
    {
        // @octokit/webhooks-examples has no deployment_protection_rule example; the deployment tests' payload is checked
        // against GitHub's webhook schema instead.
        IReadOnlyList<JsonObject> examples = eventName == "deployment_protection_rule"
            ? [new FinGuard.Testing.Deployments.DeploymentScenario("octo-org", "payments").ProtectionRulePayload(new Uri("https://api.github.com/repos/octo-org/payments/actions/runs/5453085689/deployment_protection_rule"))]
            : WebhookExamples.All(eventName);
        Assert.NotEmpty(examples);
        var random = new Random(eventName.Length * 7919);
        var parsed = 0;
        var refused = 0;
        for (var i = 0; i < 600; i++)
        {
            var mutated = JsonMutator.Mutate(examples[random.Next(examples.Count)], random, edits: 1 + random.Next(3));
            var bytes = Encoding.UTF8.GetBytes(mutated is null ? "null" : mutated.ToJsonString());
            try
            {
                var result = WebhookPayloadParser.Parse(eventName, bytes);
                if (result.IsParsed)
                {
                    parsed++;
                }
                else
                {
                    Assert.False(string.IsNullOrWhiteSpace(result.Error));
                    refused++;
                }
            }
            catch (Exception ex)
            {
                Assert.Fail($"{ex.GetType().Name}: {ex.Message}\ninput: {Encoding.UTF8.GetString(bytes[..Math.Min(bytes.Length, 3000)])}");
            }
        }

        Assert.True(parsed > 0 && refused > 0, $"parsed {parsed}, refused {refused}");
    }

    /// <summary>
    /// 1,500 rounds of: mutate one of <paramref name="originals"/> (1–3 edits), hand all of them to <paramref name="evaluate"/>.
    /// Counts the rounds it decided and the rounds refused with a <see cref="GitHubFactsException"/>; any other exception
    /// fails the test, printing the mutated document.
    /// </summary>
    private static (int Decided, int Refused) Fuzz(string[] originals, int seed, Action<string[]> evaluate)
    {
        var random = new Random(seed);
        var decided = 0;
        var refused = 0;
        for (var i = 0; i < 1500; i++)
        {
            var target = random.Next(originals.Length);
            var documents = originals.Select(o => JsonNode.Parse(o)).ToArray();
            documents[target] = JsonMutator.Mutate(documents[target], random, edits: 1 + random.Next(3));
            var json = documents.Select(d => d is null ? "null" : d.ToJsonString()).ToArray();
            try
            {
                evaluate(json);
                decided++;
            }
            catch (GitHubFactsException ex)
            {
                Assert.False(string.IsNullOrWhiteSpace(ex.Message));
                refused++;
            }
            catch (Exception ex) when (ex is not Xunit.Sdk.XunitException)
            {
                Assert.Fail($"{ex.GetType().Name}: {ex.Message}\nmutated document {target}: {json[target][..Math.Min(json[target].Length, 3000)]}\n{ex.StackTrace}");
            }
        }

        return (decided, refused);
    }

    private static JsonElement Element(string json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.Clone();
    }
}
