using System.Collections.Immutable;

namespace FinGuard.Core.Scans;

/// <summary>One check run on a commit, as GitHub's check-runs API lists it.</summary>
/// <param name="Id">The check run id (higher is newer: a re-run is a new check run).</param>
/// <param name="Name">The check run's name.</param>
/// <param name="AppSlug">The slug of the GitHub App that created it (e.g. <c>github-actions</c>); null when GitHub gave none.</param>
/// <param name="Status"><c>queued</c>, <c>in_progress</c>, <c>completed</c>, <c>waiting</c>, <c>requested</c> or <c>pending</c>.</param>
/// <param name="Conclusion">Set once completed: <c>success</c>, <c>failure</c>, <c>neutral</c>, <c>cancelled</c>, <c>skipped</c>, <c>timed_out</c>, <c>action_required</c>, <c>stale</c>.</param>
/// <param name="HeadSha">The commit it ran on.</param>
/// <param name="DetailsUrl">Where a developer reads it.</param>
public sealed record CheckRunFact(long Id, string Name, string? AppSlug, string Status, string? Conclusion, string HeadSha, string? DetailsUrl);

/// <summary>What the loader found for one configured scanner output file.</summary>
public enum ScanFileState
{
    /// <summary>The file was read from the artifact; <see cref="ScanFileFact.Parsed"/> holds what it contained.</summary>
    Found,

    /// <summary>No completed workflow run for the commit has been seen yet (the scan may still be running).</summary>
    WaitingForWorkflow,

    /// <summary>Workflow runs for the commit completed, and none uploaded the artifact (or it expired).</summary>
    ArtifactMissing,

    /// <summary>The artifact exists but does not contain the file.</summary>
    FileMissing,

    /// <summary>The artifact was refused (unsafe path, too large, a zip bomb, unreadable); see <see cref="ScanFileFact.Problem"/>.</summary>
    Rejected,
}

/// <summary>One configured scanner output file (an artifact's file) for one commit.</summary>
public sealed record ScanFileFact
{
    public required string Artifact { get; init; }

    public required string File { get; init; }

    public required ScanFileState State { get; init; }

    /// <summary>The workflow run the artifact came from (or the newest completed run looked at).</summary>
    public long? WorkflowRunId { get; init; }

    public string? WorkflowName { get; init; }

    /// <summary>The commit the workflow run ran on.</summary>
    public string? HeadSha { get; init; }

    /// <summary>Why the artifact was refused (for <see cref="ScanFileState.Rejected"/>).</summary>
    public string? Problem { get; init; }

    /// <summary>The parsed file (for <see cref="ScanFileState.Found"/>): a report or a format error.</summary>
    public ScanParseResult? Parsed { get; init; }

    /// <summary><c>semgrep-results/semgrep.json</c>.</summary>
    public string DisplayName => $"{Artifact}/{File}";
}

/// <summary>The scan facts of one commit: its check runs and the configured scanner output files.</summary>
public sealed record ScanFacts
{
    public ImmutableArray<CheckRunFact> CheckRuns { get; init; } = [];

    public ImmutableArray<ScanFileFact> Files { get; init; } = [];
}
