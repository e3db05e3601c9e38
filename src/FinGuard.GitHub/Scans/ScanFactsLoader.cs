using System.Globalization;
using System.Text.Json;
using FinGuard.Core.Scans;
using FinGuard.GitHub.Api;
using FinGuard.GitHub.Snapshots;

namespace FinGuard.GitHub.Scans;

/// <summary>What the scan loader fetched: GitHub's check-runs pages and one record per configured scanner output file.</summary>
public sealed record ScanFactsResponses(IReadOnlyList<JsonElement> CheckRunPages, IReadOnlyList<JsonElement> Files)
{
    /// <summary>The scan facts the control reads (<see cref="ScanFactsParser"/>).</summary>
    public ScanFacts Parse() => ScanFactsParser.Parse(CheckRunPages, Files);

    /// <summary>The scan responses among recorded facts (evidence replay); null when the decision loaded none.</summary>
    public static ScanFactsResponses? FromFacts(IReadOnlyList<GitHubFact> facts)
    {
        ArgumentNullException.ThrowIfNull(facts);
        if (!facts.Any(f => f.Name.StartsWith("scans.", StringComparison.Ordinal)))
        {
            return null;
        }

        return new ScanFactsResponses(
            [.. facts.Where(f => GitHubFacts.IsPage(f.Name, ScanFactsLoader.CheckRunsFact)).Select(f => f.Body)],
            [.. facts.Where(f => f.Name.StartsWith(ScanFactsLoader.FileFactPrefix, StringComparison.Ordinal)).Select(f => f.Body)]);
    }
}

/// <summary>
/// Loads the scan facts of one commit for the <c>scan-status</c> control, asking GitHub only for what the policy
/// names: the commit's check runs when there are required checks (<c>GET /repos/{o}/{r}/commits/{sha}/check-runs</c>);
/// when there are artifacts, the commit's workflow runs (<c>GET /repos/{o}/{r}/actions/runs?head_sha=</c>), the
/// newest completed run's artifact of the configured name, and its zip, from which only the named files are
/// extracted (size-capped, no path traversal, no zip bombs: <see cref="ArtifactExtractor"/>) — once per artifact: the
/// extracted files are kept (<see cref="ArtifactCache"/>) for the commit's later evaluations.
/// </summary>
public sealed class ScanFactsLoader(GitHubApiClient api, ArtifactCache cache)
{
    public const string CheckRunsFact = "scans.check-runs";
    public const string WorkflowRunsFact = "scans.workflow-runs";
    public const string ArtifactsFactPrefix = "scans.artifacts.";
    /// <summary>Prefix of the facts recording each configured scanner output file (<c>scans.file.1</c>, …; the body names the artifact and file).</summary>
    public const string FileFactPrefix = "scans.file.";

    /// <summary>Newest completed workflow runs searched for an artifact.</summary>
    private const int MaxRunsSearched = 5;

    public async Task<ScanFactsResponses> LoadAsync(
        long installationId, string repository, string sha, ScanStatusPolicy policy, List<GitHubFact> facts, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(facts);
        var checkRunPages = policy.RequiredChecks.Length > 0
            ? await GitHubFacts.LoadPagesAsync(api, installationId, $"repos/{repository}/commits/{sha}/check-runs?per_page=100", CheckRunsFact, 3, facts, cancellationToken)
            : [];

        var files = new List<JsonElement>();
        if (policy.Artifacts.Length > 0)
        {
            var runsResponse = await api.GetAsync(installationId, $"repos/{repository}/actions/runs?head_sha={sha}&per_page=100", cancellationToken);
            var runsJson = GitHubFacts.Parse(runsResponse);
            facts.Add(new GitHubFact(WorkflowRunsFact, runsResponse.Request, runsJson));
            var runs = WorkflowRuns(runsJson, sha);
            for (var a = 0; a < policy.Artifacts.Length; a++)
            {
                foreach (var file in await LoadArtifactAsync(installationId, repository, sha, policy.Artifacts[a], a + 1, runs, facts, cancellationToken))
                {
                    files.Add(file);
                    facts.Add(new GitHubFact($"{FileFactPrefix}{files.Count.ToString(CultureInfo.InvariantCulture)}", "GET /repos/{owner}/{repo}/actions/artifacts/{artifact_id}/zip", file));
                }
            }
        }

        return new ScanFactsResponses(checkRunPages, files);
    }

    private async Task<List<JsonElement>> LoadArtifactAsync(
        long installationId, string repository, string sha, ScanArtifact artifact, int artifactNumber, List<WorkflowRun> runs, List<GitHubFact> facts, CancellationToken cancellationToken)
    {
        var candidates = runs.Where(r => artifact.Workflow is null || string.Equals(r.Name, artifact.Workflow, StringComparison.Ordinal)).ToList();
        var completed = candidates.Where(r => r.Completed).OrderByDescending(r => r.Id).Take(MaxRunsSearched).ToList();
        foreach (var run in completed)
        {
            var listing = await api.GetAsync(
                installationId,
                $"repos/{repository}/actions/runs/{run.Id.ToString(CultureInfo.InvariantCulture)}/artifacts?name={Uri.EscapeDataString(artifact.Name)}&per_page=100",
                cancellationToken);
            var listingJson = GitHubFacts.Parse(listing);
            facts.Add(new GitHubFact($"{ArtifactsFactPrefix}{artifactNumber.ToString(CultureInfo.InvariantCulture)}.run{run.Id.ToString(CultureInfo.InvariantCulture)}", listing.Request, listingJson));
            if (FindArtifact(listingJson, artifact.Name) is not { } found)
            {
                continue;
            }

            return await ExtractAsync(installationId, repository, artifact, run, found, cancellationToken);
        }

        // Nothing uploaded yet: while a matching run is still going, the scan may yet arrive; otherwise it is missing.
        var stillRunning = candidates.Any(r => !r.Completed);
        var newest = completed.FirstOrDefault() ?? candidates.OrderByDescending(r => r.Id).FirstOrDefault();
        var state = completed.Count == 0 || stillRunning ? ScanFileState.WaitingForWorkflow : ScanFileState.ArtifactMissing;
        return [.. artifact.Files.Select(f => ScanFactsParser.WriteFile(artifact.Name, f, state, newest?.Id, newest?.Name, newest?.HeadSha ?? sha, null, null))];
    }

    private async Task<List<JsonElement>> ExtractAsync(
        long installationId, string repository, ScanArtifact artifact, WorkflowRun run, (long Id, long Size) found, CancellationToken cancellationToken)
    {
        var limits = ArtifactLimits.Default;
        IReadOnlyDictionary<string, byte[]> extracted;
        try
        {
            if (found.Size > limits.MaxArchiveBytes)
            {
                throw new ArtifactRejectedException($"the artifact is {found.Size} bytes, over the {limits.MaxArchiveBytes}-byte limit");
            }

            if (!cache.TryGet(repository, found.Id, artifact.Files, out extracted))
            {
                var zip = await api.DownloadAsync(installationId, $"repos/{repository}/actions/artifacts/{found.Id.ToString(CultureInfo.InvariantCulture)}/zip", limits.MaxArchiveBytes, cancellationToken);
                using var stream = new MemoryStream(zip, writable: false);
                extracted = ArtifactExtractor.Extract(stream, artifact.Files, limits);
                cache.Add(repository, found.Id, artifact.Files, extracted);
            }
        }
        catch (Exception ex) when (ex is ArtifactRejectedException or GitHubDownloadTooLargeException)
        {
            return [.. artifact.Files.Select(f => ScanFactsParser.WriteFile(artifact.Name, f, ScanFileState.Rejected, run.Id, run.Name, run.HeadSha, ex.Message, null))];
        }

        return
        [
            .. artifact.Files.Select(f => extracted.TryGetValue(f, out var content)
                ? ScanFactsParser.WriteFile(artifact.Name, f, ScanFileState.Found, run.Id, run.Name, run.HeadSha, null, content)
                : ScanFactsParser.WriteFile(artifact.Name, f, ScanFileState.FileMissing, run.Id, run.Name, run.HeadSha, null, null)),
        ];
    }

    private static (long Id, long Size)? FindArtifact(JsonElement listing, string name)
    {
        if (!listing.TryGetProperty("artifacts", out var artifacts) || artifacts.ValueKind != JsonValueKind.Array)
        {
            throw new GitHubFactsException("GitHub's artifact list has no 'artifacts' array.");
        }

        foreach (var a in artifacts.EnumerateArray())
        {
            if (a.TryGetProperty("name", out var n) && n.GetString() == name
                && !(a.TryGetProperty("expired", out var expired) && expired.ValueKind == JsonValueKind.True)
                && a.TryGetProperty("id", out var id) && id.TryGetInt64(out var artifactId))
            {
                var size = a.TryGetProperty("size_in_bytes", out var s) && s.TryGetInt64(out var bytes) ? bytes : 0;
                return (artifactId, size);
            }
        }

        return null;
    }

    private static List<WorkflowRun> WorkflowRuns(JsonElement json, string sha)
    {
        if (!json.TryGetProperty("workflow_runs", out var list) || list.ValueKind != JsonValueKind.Array)
        {
            throw new GitHubFactsException("GitHub's workflow-runs list has no 'workflow_runs' array.");
        }

        return
        [
            .. list.EnumerateArray()
                .Where(r => r.TryGetProperty("id", out var id) && id.TryGetInt64(out _))
                .Select(r => new WorkflowRun(
                    r.GetProperty("id").GetInt64(),
                    r.TryGetProperty("name", out var n) ? n.GetString() : null,
                    r.TryGetProperty("head_sha", out var h) ? h.GetString() ?? sha : sha,
                    r.TryGetProperty("status", out var s) && s.GetString() == "completed")),
        ];
    }

    private sealed record WorkflowRun(long Id, string? Name, string HeadSha, bool Completed);
}
