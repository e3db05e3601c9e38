using FinGuard.GitHub.Auth;
using FinGuard.Storage;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace FinGuard.Health;

/// <summary><c>GET /healthz</c> (the process is alive) and <c>GET /readyz</c> (storage reachable, credentials loaded).</summary>
public static class HealthEndpoints
{
    public static IEndpointRouteBuilder MapHealthEndpoints(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/healthz", () => TypedResults.Ok(new { status = "alive" }));
        endpoints.MapGet("/readyz", ReadyAsync);
        return endpoints;
    }

    internal static async Task<Results<Ok<ReadinessReport>, JsonHttpResult<ReadinessReport>>> ReadyAsync(
        IOptionsMonitor<GitHubAppOptions> gitHub, IStorageHealth storage, CancellationToken cancellationToken)
    {
        var options = gitHub.CurrentValue;
        var checks = new List<ReadinessCheck>();

        var (storageOk, storageDetail) = await storage.CheckAsync(cancellationToken);
        checks.Add(new ReadinessCheck("storage", storageOk, $"{storage.BackendName}: {storageDetail}"));

        var webhookSecretReference = options.UnresolvedKeyVaultReferenceMessageFor($"{GitHubAppOptions.SectionName}:{nameof(GitHubAppOptions.WebhookSecret)}");
        checks.Add(string.IsNullOrEmpty(options.WebhookSecret)
            ? new ReadinessCheck("webhook-secret", false, webhookSecretReference is null
                ? "GitHub:WebhookSecret is not configured; every webhook delivery is rejected with 503 until it is."
                : $"{webhookSecretReference}; every webhook delivery is rejected with 503 until it resolves.")
            : new ReadinessCheck("webhook-secret", true, "configured"));

        var appReferences = options.UnresolvedKeyVaultReferences.Where(s => !s.EndsWith(nameof(GitHubAppOptions.WebhookSecret), StringComparison.Ordinal)).ToList();
        checks.Add(options.HasAppCredentials
            ? new ReadinessCheck("github-app", true, $"app {options.AppId}, private key loaded")
            : new ReadinessCheck("github-app", false, appReferences.Count == 0
                ? "GitHub:AppId and GitHub:PrivateKey (or GitHub:PrivateKeyPath) are not both configured; FinGuard cannot call GitHub."
                : string.Join("; ", appReferences.Select(GitHubAppOptions.UnresolvedKeyVaultReferenceMessage)) + "; FinGuard cannot call GitHub."));

        var report = new ReadinessReport(checks.TrueForAll(c => c.Ok) ? "ready" : "not-ready", checks);
        return report.Status == "ready"
            ? TypedResults.Ok(report)
            : TypedResults.Json(report, statusCode: StatusCodes.Status503ServiceUnavailable);
    }
}

public sealed record ReadinessCheck(string Name, bool Ok, string Detail);

public sealed record ReadinessReport(string Status, IReadOnlyList<ReadinessCheck> Checks);
