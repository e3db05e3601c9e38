using System.Collections.Immutable;
using System.Text.Json.Serialization;

namespace FinGuard.Core.Scans;

/// <summary>
/// Settings of the <c>scan-status</c> control (the <c>scan-status</c> section of a policy file, resolved): where scan
/// results come from (required check runs, scanner output in GitHub Actions artifacts), which severity blocks, and
/// the waivers that let named findings through until they expire. Without any source the control is skipped.
/// The YAML reference is docs/scans.md.
/// </summary>
public sealed record ScanStatusPolicy
{
    public bool Enabled { get; init; } = true;

    /// <summary>A finding at or above this severity fails the control.</summary>
    [JsonConverter(typeof(JsonStringEnumConverter<ScanSeverity>))]
    public ScanSeverity Threshold { get; init; } = ScanSeverity.High;

    /// <summary>Whether a scanner that reported tool errors (it did not run completely) fails the control.</summary>
    public bool FailOnToolErrors { get; init; } = true;

    /// <summary>Check runs that must have completed with an allowed conclusion on the head commit.</summary>
    public ImmutableArray<RequiredCheck> RequiredChecks { get; init; } = [];

    /// <summary>Scanner output files (Semgrep JSON or SARIF) uploaded as GitHub Actions artifacts for the head commit.</summary>
    public ImmutableArray<ScanArtifact> Artifacts { get; init; } = [];

    /// <summary>Findings allowed through until a date, each with who approved it.</summary>
    public ImmutableArray<ScanWaiver> Waivers { get; init; } = [];

    /// <summary>Whether the policy names anything to look at; without a source the control is skipped.</summary>
    [JsonIgnore]
    public bool HasSources => RequiredChecks.Length > 0 || Artifacts.Length > 0;
}

/// <summary>A check run that must succeed on the head commit.</summary>
public sealed record RequiredCheck
{
    /// <summary>The check run's name, exactly as GitHub shows it (e.g. <c>CodeQL</c>, <c>semgrep</c>).</summary>
    public required string Name { get; init; }

    /// <summary>When set, only a check run created by the GitHub App with this slug counts (e.g. <c>github-actions</c>).</summary>
    public string? App { get; init; }

    /// <summary>Conclusions that count as passing; <c>success</c> by default (add <c>neutral</c> or <c>skipped</c> when they should).</summary>
    public ImmutableArray<string> AllowedConclusions { get; init; } = ["success"];

    public override string ToString() => App is null ? Name : $"{Name} ({App})";
}

/// <summary>Scanner output files inside a GitHub Actions artifact.</summary>
public sealed record ScanArtifact
{
    /// <summary>The artifact's name as uploaded (<c>actions/upload-artifact</c>'s <c>name</c>).</summary>
    public required string Name { get; init; }

    /// <summary>Files inside the artifact, relative to its root, each Semgrep JSON or SARIF 2.1.0.</summary>
    public required ImmutableArray<string> Files { get; init; }

    /// <summary>When set, only runs of the workflow with this name count.</summary>
    public string? Workflow { get; init; }
}

/// <summary>
/// Lets findings through that match a rule id and/or a fingerprint, until the end of <see cref="Expires"/> (UTC).
/// A waiver that has expired stops counting; the decision's evidence names every waiver it applied.
/// </summary>
public sealed record ScanWaiver
{
    /// <summary>The finding's rule (check) id; null: any rule (then <see cref="Fingerprint"/> is set).</summary>
    public string? Rule { get; init; }

    /// <summary>The finding's fingerprint; null: every finding of <see cref="Rule"/>.</summary>
    public string? Fingerprint { get; init; }

    /// <summary>The last day (UTC) the waiver holds.</summary>
    public required DateOnly Expires { get; init; }

    /// <summary>Who accepted the risk (a GitHub login).</summary>
    public required string ApprovedBy { get; init; }

    /// <summary>Why the finding is acceptable (a ticket, a justification).</summary>
    public string? Reason { get; init; }

    /// <summary>The first instant the waiver no longer holds: midnight UTC after <see cref="Expires"/>.</summary>
    [JsonIgnore]
    public DateTimeOffset EndsAt => new(Expires.AddDays(1).ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);

    public bool Matches(Finding finding)
    {
        ArgumentNullException.ThrowIfNull(finding);
        return (Rule is null || string.Equals(Rule, finding.RuleId, StringComparison.Ordinal))
            && (Fingerprint is null || string.Equals(Fingerprint, finding.Fingerprint, StringComparison.Ordinal));
    }

    /// <summary><c>rule python.eval, fingerprint ab12…</c>: what the waiver matches, for messages.</summary>
    public string Describe() => (Rule, Fingerprint) switch
    {
        ({ } rule, { } fingerprint) => $"rule {rule}, fingerprint {fingerprint}",
        ({ } rule, null) => $"rule {rule}",
        (null, { } fingerprint) => $"fingerprint {fingerprint}",
        _ => "nothing",
    };
}
