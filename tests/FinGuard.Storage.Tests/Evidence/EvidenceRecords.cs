using System.Text.Json;
using FinGuard.Core.Evidence;

namespace FinGuard.Storage.Tests.Evidence;

/// <summary>Builds evidence records with realistic content.</summary>
internal static class EvidenceRecords
{
    public const string ShaA = "0123456789abcdef0123456789abcdef01234567";
    public const string ShaB = "89abcdef0123456789abcdef0123456789abcdef";

    private static readonly DateTimeOffset BaseTime = new(2025, 3, 14, 9, 26, 53, TimeSpan.Zero);

    public static string NewChain() => $"octo-{Guid.NewGuid():N}"[..20] + "/repo." + Guid.NewGuid().ToString("N")[..8];

    public static EvidenceRecord Create(string chain, int n = 1, string headSha = ShaA, int? pullRequest = 42) => new()
    {
        EventId = $"evt-{Guid.NewGuid():N}",
        Chain = chain,
        Timestamp = BaseTime.AddSeconds(n).AddTicks(1234567),
        FinGuardVersion = "0.1.0-test",
        Mode = "development",
        Action = "pull_request.evaluate",
        Source = "github-webhook",
        DeliveryId = Guid.NewGuid().ToString(),
        Actor = new EvidenceActor("User", 583231, "octocat"),
        Subject = new EvidenceSubject
        {
            Type = "pull_request",
            Id = $"{chain}#{pullRequest}",
            Repository = chain,
            RepositoryId = 1296269,
            InstallationId = 123,
            PullRequest = pullRequest,
            HeadSha = headSha,
            BaseRef = "main",
        },
        Facts =
        [
            new EvidenceFact("pull", $"GET /repos/{chain}/pulls/{pullRequest}", new string('a', 64), Json("""{"number":42,"title":"Ünïcode \"quoted\" title","draft":false}""")),
        ],
        Policy = new EvidencePolicy(".github/finguard.yml", ["b0c1"], Json("""{"controls":{"reviews":{"required":2}}}""")),
        Result = new EvidenceResult(
            n % 2 == 0 ? "fail" : "pass",
            n % 2 == 0 ? "failure" : "success",
            "ok",
            "All controls passed",
            [new EvidenceControl("reviews", "pass", "2 approvals", ["alice approved", "bob approved"])]),
    };

    private static JsonElement Json(string json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.Clone();
    }
}
