using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using FinGuard.Core.Evidence;
using FinGuard.Testing.FakeGitHub;
using FinGuard.Testing.Scenarios;

namespace FinGuard.Tests.Faults;

/// <summary>What the fault tests share: their deliveries, and the invariant that no check run goes without its evidence.</summary>
internal static partial class FaultChecks
{
    /// <summary>One <c>pull_request.synchronize</c> delivery body per scenario, each served on <paramref name="github"/>.</summary>
    public static List<(string Id, PullRequestScenario Scenario, byte[] Body)> SynchronizeDeliveries(IEnumerable<PullRequestScenario> scenarios, FakeGitHubServer github)
    {
        var result = new List<(string Id, PullRequestScenario Scenario, byte[] Body)>();
        foreach (var scenario in scenarios)
        {
            scenario.ServeOn(github);
            result.Add((Guid.NewGuid().ToString(), scenario, Encoding.UTF8.GetBytes(scenario.WebhookPayload(WebhookExamples.First("pull_request", "synchronize"), "synchronize").ToJsonString())));
        }

        return result;
    }

    /// <summary>The evidence record a check run's summary names.</summary>
    public static string EvidenceBlobOf(JsonObject run) => EvidenceReference().Match((string)run["output"]!["summary"]!).Groups["blob"].Value;

    /// <summary>No completed check run, before or after the fault, names evidence that does not exist or contradicts it.</summary>
    public static async Task AssertEveryCheckRunHasItsEvidenceAsync(FakeGitHubServer github, IEvidenceStore store)
    {
        foreach (var run in github.CheckRuns.Where(r => (string?)r["status"] == "completed"))
        {
            var bytes = await store.ReadAsync(EvidenceBlobOf(run), CancellationToken.None);
            Assert.NotNull(bytes);
            Assert.Equal((string?)run["conclusion"], EvidenceSerializer.FromBytes(bytes).Result.Conclusion);
        }
    }

    [GeneratedRegex("Evidence: `(?<blob>[^`]+)`")]
    private static partial Regex EvidenceReference();
}
