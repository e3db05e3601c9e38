using System.Collections.Immutable;
using System.Text.Json;
using System.Text.Json.Nodes;
using FinGuard.Core.Scans;
using FinGuard.GitHub.Snapshots;

namespace FinGuard.GitHub.Scans;

/// <summary>
/// Turns the recorded scan facts (GitHub's check-runs pages for a commit, and FinGuard's record of each configured
/// scanner output file with its exact bytes) into the <see cref="ScanFacts"/> the <c>scan-status</c> control reads.
/// Shared by the server, the offline evaluator and evidence replay, so all three see the same findings.
/// </summary>
public static class ScanFactsParser
{
    public static ScanFacts Parse(IEnumerable<JsonElement> checkRunPages, IEnumerable<JsonElement> files)
    {
        ArgumentNullException.ThrowIfNull(checkRunPages);
        ArgumentNullException.ThrowIfNull(files);
        var runs = ImmutableArray.CreateBuilder<CheckRunFact>();
        foreach (var page in checkRunPages)
        {
            if (page.ValueKind != JsonValueKind.Object || !page.TryGetProperty("check_runs", out var list) || list.ValueKind != JsonValueKind.Array)
            {
                throw new GitHubFactsException("A check-runs response has no 'check_runs' array.");
            }

            foreach (var run in list.EnumerateArray())
            {
                if (run.ValueKind != JsonValueKind.Object)
                {
                    throw new GitHubFactsException("A check-runs response lists something other than a check run object.");
                }

                runs.Add(new CheckRunFact(
                    run.TryGetProperty("id", out var id) && id.ValueKind == JsonValueKind.Number && id.TryGetInt64(out var i) ? i : throw new GitHubFactsException("A check run has no numeric id."),
                    String(run, "name") ?? throw new GitHubFactsException($"Check run {i} has no name."),
                    run.TryGetProperty("app", out var app) && app.ValueKind == JsonValueKind.Object ? String(app, "slug") : null,
                    String(run, "status") ?? "queued",
                    String(run, "conclusion"),
                    String(run, "head_sha") ?? throw new GitHubFactsException($"Check run {i} has no head_sha."),
                    String(run, "html_url") ?? String(run, "details_url")));
            }
        }

        return new ScanFacts { CheckRuns = runs.ToImmutable(), Files = [.. files.Select(ReadFile)] };
    }

    /// <summary>The evidence form of one scanner output file (see <see cref="ReadFile"/>).</summary>
    public static JsonElement WriteFile(
        string artifact, string file, ScanFileState state, long? workflowRunId, string? workflowName, string? headSha, string? problem, byte[]? content) =>
        JsonSerializer.SerializeToElement(new JsonObject
        {
            ["artifact"] = artifact,
            ["file"] = file,
            ["state"] = StateName(state),
            ["workflowRunId"] = workflowRunId,
            ["workflowName"] = workflowName,
            ["headSha"] = headSha,
            ["problem"] = problem,
            ["contentBase64"] = content is null ? null : Convert.ToBase64String(content),
        });

    public static ScanFileFact ReadFile(JsonElement element)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw new GitHubFactsException("A scan file fact must be a JSON object.");
        }

        var state = String(element, "state") switch
        {
            "found" => ScanFileState.Found,
            "waiting-for-workflow" => ScanFileState.WaitingForWorkflow,
            "artifact-missing" => ScanFileState.ArtifactMissing,
            "file-missing" => ScanFileState.FileMissing,
            "rejected" => ScanFileState.Rejected,
            var other => throw new GitHubFactsException($"A scan file fact has an unknown state '{other}'."),
        };
        ScanParseResult? parsed = null;
        if (state == ScanFileState.Found)
        {
            byte[] content;
            try
            {
                content = Convert.FromBase64String(String(element, "contentBase64") ?? string.Empty);
            }
            catch (FormatException ex)
            {
                throw new GitHubFactsException("A scan file fact's contentBase64 is not base64.", ex);
            }

            parsed = ScanReportParser.Parse(content);
        }

        return new ScanFileFact
        {
            Artifact = String(element, "artifact") ?? throw new GitHubFactsException("A scan file fact has no artifact."),
            File = String(element, "file") ?? throw new GitHubFactsException("A scan file fact has no file."),
            State = state,
            WorkflowRunId = element.TryGetProperty("workflowRunId", out var id) && id.ValueKind == JsonValueKind.Number && id.TryGetInt64(out var runId) ? runId : null,
            WorkflowName = String(element, "workflowName"),
            HeadSha = String(element, "headSha"),
            Problem = String(element, "problem"),
            Parsed = parsed,
        };
    }

    public static string StateName(ScanFileState state) => state switch
    {
        ScanFileState.Found => "found",
        ScanFileState.WaitingForWorkflow => "waiting-for-workflow",
        ScanFileState.ArtifactMissing => "artifact-missing",
        ScanFileState.FileMissing => "file-missing",
        _ => "rejected",
    };

    private static string? String(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
