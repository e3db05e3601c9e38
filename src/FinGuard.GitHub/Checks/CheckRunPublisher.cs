using System.Text.Json;
using System.Text.Json.Nodes;
using FinGuard.Core.Results;
using FinGuard.GitHub.Api;
using FinGuard.GitHub.Evaluation;

namespace FinGuard.GitHub.Checks;

/// <summary>
/// Creates or updates the one <c>FinGuard</c> check run of a head SHA. The run is reconciled by
/// <c>external_id</c> (<c>finguard:{sha}</c>), so a redelivered webhook updates the run instead of adding another.
/// Callers publish only after the decision's evidence is durably written. The run's id is remembered
/// (<see cref="CheckRunIds"/>), so publishing the same head again goes straight to its run: an unchanged re-evaluation
/// costs GitHub only 304s and the one update. The first decision on a head SHA (the caller knows: no evidence names it)
/// is created without a lookup — a run could only exist if an earlier attempt published "in progress" and the process
/// restarted, or another instance decided the same head at the same moment; GitHub then shows the newest run of the
/// name, which is the one FinGuard keeps updating (the lookup picks the highest id).
/// </summary>
public sealed class CheckRunPublisher(GitHubApiClient api, CheckRunIds ids)
{
    private const string ExternalIdPrefix = "finguard:";

    public static string ExternalIdFor(string headSha) => ExternalIdPrefix + headSha;

    /// <summary>Whether a check run with this <c>external_id</c> is one FinGuard published (its completion must not trigger FinGuard again).</summary>
    public static bool IsFinGuardRun(string? externalId) => externalId?.StartsWith(ExternalIdPrefix, StringComparison.Ordinal) == true;

    /// <summary>The identifier of the "Re-run FinGuard" button (<c>check_run.requested_action</c>).</summary>
    public const string RerunActionIdentifier = "finguard-rerun";

    /// <summary>GitHub accepts at most 50 annotations per request; more are sent in further updates.</summary>
    public const int AnnotationBatchSize = 50;

    public async Task<long> PublishAsync(
        long installationId,
        string repository,
        string headSha,
        EvaluationResult result,
        string? evidenceReference,
        CancellationToken cancellationToken,
        IReadOnlyList<FileAnnotation>? annotations = null,
        Uri? detailsUrl = null,
        bool firstDecision = false)
    {
        ArgumentNullException.ThrowIfNull(result);
        var output = CheckRunRenderer.Render(result, evidenceReference);
        var externalId = ExternalIdFor(headSha);
        var batches = (annotations ?? []).Chunk(AnnotationBatchSize).ToList();
        var body = new JsonObject
        {
            ["name"] = CheckRunRenderer.CheckName,
            ["head_sha"] = headSha,
            ["external_id"] = externalId,
            ["status"] = "completed",
            ["conclusion"] = CheckRunRenderer.ConclusionName(result.Conclusion),
            ["output"] = Output(output, batches.FirstOrDefault()),
            ["actions"] = new JsonArray(new JsonObject
            {
                ["label"] = "Re-run FinGuard",
                ["description"] = "Evaluate this pull request again",
                ["identifier"] = RerunActionIdentifier,
            }),
        };
        if (detailsUrl is not null)
        {
            body["details_url"] = detailsUrl.AbsoluteUri;
        }

        var id = await UpdateKnownAsync(installationId, repository, headSha, body, cancellationToken);
        if (id is null)
        {
            // The first decision on a head has no completed run to reconcile with, so it is created without a lookup.
            var existing = firstDecision ? null : await FindExistingAsync(installationId, repository, headSha, externalId, cancellationToken);
            if (existing is { } found)
            {
                id = found.Id;
                var update = (JsonObject)body.DeepClone();
                update.Remove("head_sha");
                await api.SendJsonAsync(HttpMethod.Patch, installationId, $"repos/{repository}/check-runs/{id}", update, cancellationToken);
            }
            else
            {
                var created = await api.SendJsonAsync(HttpMethod.Post, installationId, $"repos/{repository}/check-runs", body, cancellationToken);
                id = created.Json().GetProperty("id").GetInt64();
            }

            ids.Remember(repository, headSha, id.Value);
        }

        foreach (var batch in batches.Skip(1))
        {
            await api.SendJsonAsync(HttpMethod.Patch, installationId, $"repos/{repository}/check-runs/{id}", new JsonObject { ["output"] = Output(output, batch) }, cancellationToken);
        }

        return id.Value;
    }

    /// <summary>Updates the run this process last published for the head; null when it knows none (or GitHub no longer has it).</summary>
    private async Task<long?> UpdateKnownAsync(long installationId, string repository, string headSha, JsonObject body, CancellationToken cancellationToken)
    {
        if (!ids.TryGet(repository, headSha, out var known))
        {
            return null;
        }

        var update = (JsonObject)body.DeepClone();
        update.Remove("head_sha");
        try
        {
            await api.SendJsonAsync(HttpMethod.Patch, installationId, $"repos/{repository}/check-runs/{known}", update, cancellationToken);
            return known;
        }
        catch (GitHubApiException ex) when (ex.Status == System.Net.HttpStatusCode.NotFound)
        {
            ids.Forget(repository, headSha);
            return null;
        }
    }

    /// <summary>
    /// Marks the head SHA's FinGuard check <c>in_progress</c> with <paramref name="title"/> and <paramref name="summary"/>:
    /// no decision yet, and — unlike <c>neutral</c>, which satisfies a required check — nothing a merge can pass on.
    /// An existing run still in progress is updated; a completed one is superseded by a new run with the same
    /// <c>external_id</c> (GitHub does not reliably reopen a completed run), which the next publish then completes.
    /// </summary>
    public async Task<long> PublishInProgressAsync(
        long installationId, string repository, string headSha, string title, string summary, Uri? detailsUrl, CancellationToken cancellationToken)
    {
        var externalId = ExternalIdFor(headSha);
        var body = new JsonObject
        {
            ["name"] = CheckRunRenderer.CheckName,
            ["head_sha"] = headSha,
            ["external_id"] = externalId,
            ["status"] = "in_progress",
            ["output"] = new JsonObject { ["title"] = title, ["summary"] = summary },
        };
        if (detailsUrl is not null)
        {
            body["details_url"] = detailsUrl.AbsoluteUri;
        }

        var existing = await FindExistingAsync(installationId, repository, headSha, externalId, cancellationToken);
        if (existing is { Completed: false } open)
        {
            body.Remove("head_sha");
            await api.SendJsonAsync(HttpMethod.Patch, installationId, $"repos/{repository}/check-runs/{open.Id}", body, cancellationToken);
            ids.Remember(repository, headSha, open.Id);
            return open.Id;
        }

        var created = await api.SendJsonAsync(HttpMethod.Post, installationId, $"repos/{repository}/check-runs", body, cancellationToken);
        var id = created.Json().GetProperty("id").GetInt64();
        ids.Remember(repository, headSha, id);
        return id;
    }

    private static JsonObject Output(CheckRunOutput output, FileAnnotation[]? annotations)
    {
        var node = new JsonObject
        {
            ["title"] = output.Title,
            ["summary"] = output.Summary,
            ["text"] = output.Text,
        };
        if (annotations is { Length: > 0 })
        {
            node["annotations"] = new JsonArray([.. annotations.Select(a => (JsonNode)new JsonObject
            {
                ["path"] = a.Path,
                ["start_line"] = a.Line,
                ["end_line"] = a.Line,
                ["annotation_level"] = a.Level,
                ["title"] = "FinGuard policy",
                ["message"] = a.Message,
            })]);
        }

        return node;
    }

    /// <summary>The newest FinGuard run with <paramref name="externalId"/> on the head SHA (highest id), or null.</summary>
    private async Task<(long Id, bool Completed)?> FindExistingAsync(long installationId, string repository, string headSha, string externalId, CancellationToken cancellationToken)
    {
        var pages = await api.GetPagesAsync(
            installationId,
            $"repos/{repository}/commits/{headSha}/check-runs?check_name={CheckRunRenderer.CheckName}&filter=all&per_page=100",
            maxPages: 3,
            cancellationToken);
        (long Id, bool Completed)? newest = null;
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
                    && run.TryGetProperty("id", out var idElement) && idElement.TryGetInt64(out var id)
                    && (newest is null || id > newest.Value.Id))
                {
                    var completed = run.TryGetProperty("status", out var status) && status.ValueKind == JsonValueKind.String && status.GetString() == "completed";
                    newest = (id, completed);
                }
            }
        }

        return newest;
    }
}
