using System.Text.Json;
using System.Text.Json.Nodes;
using FinGuard.Core.Results;
using FinGuard.GitHub.Api;

namespace FinGuard.GitHub.Checks;

/// <summary>
/// Creates or updates the one <c>FinGuard</c> check run of a head SHA. The run is reconciled by
/// <c>external_id</c> (<c>finguard:{sha}</c>), so a redelivered webhook updates the run instead of adding another.
/// Callers publish only after the decision's evidence is durably written.
/// </summary>
public sealed class CheckRunPublisher(GitHubApiClient api)
{
    public static string ExternalIdFor(string headSha) => $"finguard:{headSha}";

    public async Task<long> PublishAsync(long installationId, string repository, string headSha, EvaluationResult result, string? evidenceReference, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(result);
        var output = CheckRunRenderer.Render(result, evidenceReference);
        var externalId = ExternalIdFor(headSha);
        var body = new JsonObject
        {
            ["name"] = CheckRunRenderer.CheckName,
            ["head_sha"] = headSha,
            ["external_id"] = externalId,
            ["status"] = "completed",
            ["conclusion"] = CheckRunRenderer.ConclusionName(result.Conclusion),
            ["output"] = new JsonObject
            {
                ["title"] = output.Title,
                ["summary"] = output.Summary,
                ["text"] = output.Text,
            },
        };

        var existing = await FindExistingAsync(installationId, repository, headSha, externalId, cancellationToken);
        if (existing is { } id)
        {
            body.Remove("head_sha");
            await api.SendJsonAsync(HttpMethod.Patch, installationId, $"repos/{repository}/check-runs/{id}", body, cancellationToken);
            return id;
        }

        var created = await api.SendJsonAsync(HttpMethod.Post, installationId, $"repos/{repository}/check-runs", body, cancellationToken);
        return created.Json().GetProperty("id").GetInt64();
    }

    private async Task<long?> FindExistingAsync(long installationId, string repository, string headSha, string externalId, CancellationToken cancellationToken)
    {
        var pages = await api.GetPagesAsync(
            installationId,
            $"repos/{repository}/commits/{headSha}/check-runs?check_name={CheckRunRenderer.CheckName}&filter=all&per_page=100",
            maxPages: 3,
            cancellationToken);
        foreach (var page in pages)
        {
            var json = page.Json();
            if (!json.TryGetProperty("check_runs", out var runs) || runs.ValueKind != JsonValueKind.Array)
            {
                continue;
            }

            foreach (var run in runs.EnumerateArray())
            {
                if (run.TryGetProperty("external_id", out var ext) && ext.ValueKind == JsonValueKind.String && ext.GetString() == externalId
                    && run.TryGetProperty("id", out var idElement) && idElement.TryGetInt64(out var id))
                {
                    return id;
                }
            }
        }

        return null;
    }
}
