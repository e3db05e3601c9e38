using System.Text.Json;
using System.Text.Json.Serialization;

namespace FinGuard.Core.Evidence;

/// <summary>
/// One decision, as an auditor receives it. Serialised as canonical JSON (<see cref="CanonicalJson"/>);
/// the SHA-256 of those bytes is the record's hash, which the next record of the same repository names in
/// <see cref="PreviousSha256"/>. The hash is not stored inside the record itself.
/// </summary>
public sealed record EvidenceRecord
{
    public const string CurrentSchema = "finguard.evidence/v1";

    [JsonPropertyName("schema")]
    public string Schema { get; init; } = CurrentSchema;

    /// <summary>Unique id of this decision (also the audit "event id").</summary>
    [JsonPropertyName("eventId")]
    public required string EventId { get; init; }

    /// <summary>Position in the repository's chain, starting at 1. Assigned by the evidence store.</summary>
    [JsonPropertyName("sequence")]
    public long Sequence { get; init; }

    /// <summary>SHA-256 (lower-case hex) of the previous record of the same chain; null for the first record.</summary>
    [JsonPropertyName("previousSha256")]
    public string? PreviousSha256 { get; init; }

    /// <summary>The chain this record belongs to: <c>owner/repo</c>, lower-cased.</summary>
    [JsonPropertyName("chain")]
    public required string Chain { get; init; }

    /// <summary>UTC time the decision was made (the evaluation time).</summary>
    [JsonPropertyName("timestamp")]
    public required DateTimeOffset Timestamp { get; init; }

    [JsonPropertyName("finguardVersion")]
    public required string FinGuardVersion { get; init; }

    /// <summary><c>production</c> only against Azure storage with verified immutability; otherwise <c>development</c>.</summary>
    [JsonPropertyName("mode")]
    public required string Mode { get; init; }

    /// <summary>What was decided, e.g. <c>pull_request.evaluate</c>.</summary>
    [JsonPropertyName("action")]
    public required string Action { get; init; }

    /// <summary>Where the trigger came from, e.g. <c>github-webhook</c>.</summary>
    [JsonPropertyName("source")]
    public required string Source { get; init; }

    /// <summary>The <c>X-GitHub-Delivery</c> that caused the decision (correlation id).</summary>
    [JsonPropertyName("deliveryId")]
    public required string DeliveryId { get; init; }

    [JsonPropertyName("actor")]
    public required EvidenceActor Actor { get; init; }

    [JsonPropertyName("subject")]
    public required EvidenceSubject Subject { get; init; }

    /// <summary>The GitHub responses the decision was computed from, each with its SHA-256.</summary>
    [JsonPropertyName("facts")]
    public required IReadOnlyList<EvidenceFact> Facts { get; init; }

    [JsonPropertyName("policy")]
    public required EvidencePolicy Policy { get; init; }

    [JsonPropertyName("result")]
    public required EvidenceResult Result { get; init; }

    /// <summary>
    /// For a deployment decision (<c>deployment.evaluate</c>): the environment, the deployed ref and what GitHub was
    /// answered. Omitted for every other record, so their bytes do not change.
    /// </summary>
    [JsonPropertyName("deployment"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public EvidenceDeployment? Deployment { get; init; }

    /// <summary>
    /// Other decision records this decision relied on (a deployment's pull request decisions, the environment's previous
    /// approved deployment), each named by chain, sequence and the SHA-256 of its bytes. Omitted when there are none.
    /// </summary>
    [JsonPropertyName("links"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<EvidenceLink>? Links { get; init; }

    /// <summary>
    /// For a change record (<c>change.merge</c>, <c>change.push</c>) and an exception about a change: which branch moved
    /// from which commit to which, and how. Omitted for every other record.
    /// </summary>
    [JsonPropertyName("change"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public EvidenceChange? Change { get; init; }

    /// <summary>For an exception record (<c>exception.recorded</c>): what went around FinGuard and why it is one. Omitted otherwise.</summary>
    [JsonPropertyName("exception"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public EvidenceExceptionRecord? Exception { get; init; }
}

/// <summary>A covered branch's head moved: by a merged pull request or a push.</summary>
public sealed record EvidenceChange
{
    /// <summary><c>merge</c> (a <c>pull_request</c> closed and merged) or <c>push</c>.</summary>
    [JsonPropertyName("kind")]
    public required string Kind { get; init; }

    /// <summary>The branch, without <c>refs/heads/</c>.</summary>
    [JsonPropertyName("branch")]
    public required string Branch { get; init; }

    /// <summary>The branch's commit before (a push's <c>before</c>; null for a merge, whose payload does not say).</summary>
    [JsonPropertyName("before")]
    public string? Before { get; init; }

    /// <summary>The branch's new head (a push's <c>after</c>, a merge's <c>merge_commit_sha</c>).</summary>
    [JsonPropertyName("after")]
    public required string After { get; init; }

    /// <summary>Whether the push rewrote the branch (GitHub's <c>forced</c>); false for a merge.</summary>
    [JsonPropertyName("forced")]
    public required bool Forced { get; init; }

    /// <summary>The pull request the change came through, when GitHub named one; null for a direct push.</summary>
    [JsonPropertyName("pullRequest")]
    public int? PullRequest { get; init; }

    /// <summary>The pull request head that was merged (its decision is the one that counts).</summary>
    [JsonPropertyName("mergedHeadSha")]
    public string? MergedHeadSha { get; init; }

    /// <summary>Who merged (<c>merged_by</c>) or pushed (<c>sender</c>).</summary>
    [JsonPropertyName("mergedBy")]
    public EvidenceActor? MergedBy { get; init; }

    /// <summary>
    /// What justified it: <c>pull_request_decision</c>, <c>merge_group_decision</c>, <c>pull_request_merge</c> (a push
    /// GitHub attributes to a merged pull request, whose own merge is recorded), or <c>none</c>.
    /// </summary>
    [JsonPropertyName("justification")]
    public required string Justification { get; init; }

    /// <summary>Logins that approved the pull request in the justifying decision; empty when none is known.</summary>
    [JsonPropertyName("approvers")]
    public required IReadOnlyList<string> Approvers { get; init; }
}

/// <summary>Something that went around FinGuard (or through its exception procedure), recorded the day it happened.</summary>
public sealed record EvidenceExceptionRecord
{
    public const string MergeWithoutDecision = "merge-without-decision";
    public const string DirectPush = "direct-push";
    public const string ForcePush = "force-push";
    public const string BreakGlass = "break-glass";
    public const string DeploymentOutsideFinGuard = "deployment-outside-finguard";
    public const string DeliveryIdReused = "delivery-id-reused";

    /// <summary>One of the constants above.</summary>
    [JsonPropertyName("type")]
    public required string Type { get; init; }

    /// <summary>What happened and what to do about it, in a sentence or two.</summary>
    [JsonPropertyName("reason")]
    public required string Reason { get; init; }
}

/// <summary>What a deployment decision was about and what GitHub was told.</summary>
public sealed record EvidenceDeployment
{
    /// <summary>The environment deployed to.</summary>
    [JsonPropertyName("environment")]
    public required string Environment { get; init; }

    /// <summary>GitHub's deployment id; null when GitHub created no deployment object.</summary>
    [JsonPropertyName("deploymentId")]
    public long? DeploymentId { get; init; }

    /// <summary>The workflow run that waited on the environment.</summary>
    [JsonPropertyName("runId")]
    public required long RunId { get; init; }

    /// <summary>The deployed ref as GitHub sent it.</summary>
    [JsonPropertyName("ref")]
    public string? Ref { get; init; }

    /// <summary><c>branch</c>, <c>tag</c>, <c>commit</c> or <c>unknown</c>.</summary>
    [JsonPropertyName("refKind")]
    public required string RefKind { get; init; }

    /// <summary>The answer sent to GitHub: <c>approved</c> or <c>rejected</c>.</summary>
    [JsonPropertyName("state")]
    public required string State { get; init; }

    /// <summary>True when the deployed commit is older than (an ancestor of) the environment's last approved deployment.</summary>
    [JsonPropertyName("rollback")]
    public required bool Rollback { get; init; }

    /// <summary>The commit of the environment's last approved deployment, when there is one.</summary>
    [JsonPropertyName("previousSha")]
    public string? PreviousSha { get; init; }
}

/// <summary>Another decision record this one relied on.</summary>
/// <param name="Type"><c>pull_request_decision</c> or <c>previous_deployment_decision</c>.</param>
/// <param name="Chain">The chain of the linked record.</param>
/// <param name="Sequence">Its position in that chain.</param>
/// <param name="Sha256">SHA-256 of its stored bytes (as in the evidence index).</param>
public sealed record EvidenceLink(
    [property: JsonPropertyName("type")] string Type,
    [property: JsonPropertyName("chain")] string Chain,
    [property: JsonPropertyName("sequence")] long Sequence,
    [property: JsonPropertyName("sha256")] string Sha256)
{
    public const string PullRequestDecision = "pull_request_decision";

    public const string PreviousDeploymentDecision = "previous_deployment_decision";

    public const string MergeGroupDecision = "merge_group_decision";

    /// <summary>A deployment decision a later observation of the same deployment relied on.</summary>
    public const string DeploymentDecision = "deployment_decision";
}

/// <summary>Who caused the decision (the webhook sender).</summary>
public sealed record EvidenceActor(
    [property: JsonPropertyName("type")] string Type,
    [property: JsonPropertyName("id")] long? Id,
    [property: JsonPropertyName("login")] string? Login);

/// <summary>What was decided about.</summary>
public sealed record EvidenceSubject
{
    /// <summary><c>pull_request</c> or <c>deployment</c>.</summary>
    [JsonPropertyName("type")]
    public required string Type { get; init; }

    /// <summary>Resource id, e.g. <c>octo/repo#42</c>.</summary>
    [JsonPropertyName("id")]
    public required string Id { get; init; }

    [JsonPropertyName("repository")]
    public required string Repository { get; init; }

    [JsonPropertyName("repositoryId")]
    public long? RepositoryId { get; init; }

    [JsonPropertyName("installationId")]
    public long? InstallationId { get; init; }

    [JsonPropertyName("pullRequest")]
    public int? PullRequest { get; init; }

    [JsonPropertyName("headSha")]
    public required string HeadSha { get; init; }

    [JsonPropertyName("baseRef")]
    public string? BaseRef { get; init; }
}

/// <summary>One GitHub response used by the decision: the request, the body as parsed (its members in canonical order when made by <see cref="Canonical"/>), and the SHA-256 of its canonical JSON.</summary>
public sealed record EvidenceFact(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("request")] string Request,
    [property: JsonPropertyName("sha256")] string Sha256,
    [property: JsonPropertyName("body")] JsonElement Body)
{
    /// <summary>
    /// A fact whose body is kept in its canonical form, hashed once. The record's own canonical form then finds the
    /// body's members already in order and its strings already escaped, instead of sorting them a second time.
    /// </summary>
    public static EvidenceFact Canonical(string name, string request, JsonElement body) =>
        CanonicalJson.WithCanonical(body, canonical =>
        {
            // Parsed straight from the pooled canonical bytes: the element's document is the only copy.
            var reader = new Utf8JsonReader(canonical);
            return new EvidenceFact(name, request, CanonicalJson.Sha256Hex(canonical), JsonElement.ParseValue(ref reader));
        });
}

/// <summary>The policy the decision applied, and where it came from.</summary>
public sealed record EvidencePolicy(
    [property: JsonPropertyName("source")] string Source,
    [property: JsonPropertyName("blobShas")] IReadOnlyList<string> BlobShas,
    [property: JsonPropertyName("resolved")] JsonElement Resolved);

/// <summary>The verdict and every control's result.</summary>
public sealed record EvidenceResult(
    [property: JsonPropertyName("verdict")] string Verdict,
    [property: JsonPropertyName("conclusion")] string Conclusion,
    [property: JsonPropertyName("reasonCode")] string ReasonCode,
    [property: JsonPropertyName("title")] string Title,
    [property: JsonPropertyName("controls")] IReadOnlyList<EvidenceControl> Controls);

/// <summary>One control's result.</summary>
/// <param name="Id">The control's id, e.g. <c>freeze-window</c>.</param>
/// <param name="Status"><c>pass</c>, <c>fail</c>, <c>pending</c>, <c>error</c> or <c>skipped</c>.</param>
/// <param name="Summary">The one-line summary shown in the check run.</param>
/// <param name="Reasons">Why it did not pass (empty when it passed or was skipped).</param>
/// <param name="Exception">Set when the control passed through an exception procedure (break-glass); omitted otherwise,
/// so records without one keep their exact bytes.</param>
/// <param name="Waivers">The waivers the control applied (scan findings let through until a date); omitted when none.</param>
public sealed record EvidenceControl(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("summary")] string Summary,
    [property: JsonPropertyName("reasons")] IReadOnlyList<string> Reasons,
    [property: JsonPropertyName("exception"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] EvidenceExceptionInfo? Exception = null,
    [property: JsonPropertyName("waivers"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<EvidenceWaiver>? Waivers = null);

/// <summary>A waiver a control applied (scan findings let through until a date): what it matched, who approved it, until when, how many findings it covered.</summary>
public sealed record EvidenceWaiver
{
    /// <summary>The rule id it matches; omitted when it matches by fingerprint only.</summary>
    [JsonPropertyName("rule"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Rule { get; init; }

    /// <summary>The finding fingerprint it matches; omitted when it matches a whole rule.</summary>
    [JsonPropertyName("fingerprint"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Fingerprint { get; init; }

    /// <summary>The last day (UTC) it holds, <c>YYYY-MM-DD</c>.</summary>
    [JsonPropertyName("expires")]
    public required string Expires { get; init; }

    /// <summary>The GitHub login that accepted the risk.</summary>
    [JsonPropertyName("approvedBy")]
    public required string ApprovedBy { get; init; }

    [JsonPropertyName("reason"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Reason { get; init; }

    /// <summary>How many findings it let through in this decision.</summary>
    [JsonPropertyName("findings")]
    public required int Findings { get; init; }
}

/// <summary>
/// A decision that passed by exception (today: <c>break-glass</c> during a change freeze): the procedure, who asked,
/// who approved and until when it holds.
/// </summary>
public sealed record EvidenceExceptionInfo
{
    /// <summary>The procedure, e.g. <c>break-glass</c>.</summary>
    [JsonPropertyName("type")]
    public required string Type { get; init; }

    /// <summary>The pull request label that invoked it.</summary>
    [JsonPropertyName("label")]
    public required string Label { get; init; }

    /// <summary>Who asked for it: the pull request's author (who applied the label is not in GitHub's pull request; see the record's <c>actor</c>).</summary>
    [JsonPropertyName("invokedBy")]
    public required EvidenceActor InvokedBy { get; init; }

    /// <summary>The reviewer whose approval made it valid.</summary>
    [JsonPropertyName("approvedBy")]
    public required EvidenceActor ApprovedBy { get; init; }

    /// <summary>The team (<c>org/team-slug</c>) through which the approver may approve.</summary>
    [JsonPropertyName("approvedVia")]
    public required string ApprovedVia { get; init; }

    [JsonPropertyName("approvedAt")]
    public required DateTimeOffset ApprovedAt { get; init; }

    [JsonPropertyName("expiresAt")]
    public required DateTimeOffset ExpiresAt { get; init; }

    /// <summary>What it let through, e.g. the freeze windows open at the time.</summary>
    [JsonPropertyName("bypassed")]
    public required IReadOnlyList<string> Bypassed { get; init; }
}

/// <summary>What the evidence store returns once a record is durably written and indexed.</summary>
/// <param name="Chain">The chain (<c>owner/repo</c>, lower-cased).</param>
/// <param name="Sequence">The record's position in the chain.</param>
/// <param name="BlobName">Name of the immutable blob (or local file) holding the canonical bytes.</param>
/// <param name="Sha256">SHA-256 of the canonical bytes, lower-case hex.</param>
/// <param name="PreviousSha256">The hash of the previous record in the chain, null for the first.</param>
public sealed record EvidenceReceipt(string Chain, long Sequence, string BlobName, string Sha256, string? PreviousSha256);

/// <summary>An index row: enough to find a decision without reading every record.</summary>
public sealed record EvidenceIndexEntry(
    string Chain,
    long Sequence,
    string EventId,
    string SubjectType,
    int? PullRequest,
    string HeadSha,
    DateTimeOffset Timestamp,
    string Verdict,
    string DeliveryId,
    string BlobName,
    string Sha256);

/// <summary>
/// Durable, append-only evidence. <see cref="AppendAsync"/> assigns the record's sequence and previous hash,
/// writes the canonical bytes as a new immutable object (never overwriting: an existing name is a conflict,
/// resolved by moving to the next sequence), and only then indexes it. When it returns, the record is durable.
/// Appends to the same chain are serialised with optimistic concurrency, so concurrent writers never fork a chain.
/// </summary>
public interface IEvidenceStore
{
    Task<EvidenceReceipt> AppendAsync(EvidenceRecord record, CancellationToken cancellationToken);

    /// <summary>The exact stored bytes of a record, or null when absent.</summary>
    Task<byte[]?> ReadAsync(string blobName, CancellationToken cancellationToken);

    /// <summary>Index rows of one chain in sequence order.</summary>
    IAsyncEnumerable<EvidenceIndexEntry> ListAsync(string chain, CancellationToken cancellationToken);

    /// <summary>Index rows for decisions about one head SHA in a chain, newest first.</summary>
    Task<IReadOnlyList<EvidenceIndexEntry>> FindByShaAsync(string chain, string headSha, CancellationToken cancellationToken);

    /// <summary>
    /// Indexes any record that is durable at the end of the chain but not indexed yet (a writer crashed between the two),
    /// so that the index shows every decision. Call it before asking the index whether a decision was already recorded.
    /// Read-only stores do nothing.
    /// </summary>
    Task RecoverAsync(string chain, CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>
    /// The record an index row locates, checked before anything is decided from it: its bytes hash to what the next
    /// record links to (or, for the newest record, to what the chain head states), and every field of the row equals
    /// the record's (<see cref="EvidenceIndexCheck"/>). Otherwise a <see cref="VerifiedEvidence"/> naming the problem:
    /// the index row or the record has been changed, and neither may decide anything.
    /// </summary>
    Task<VerifiedEvidence> ReadVerifiedAsync(EvidenceIndexEntry entry, CancellationToken cancellationToken);

    /// <summary>The chain's head as stored (a hint that may lag behind the records).</summary>
    Task<EvidenceChainTip> GetTipAsync(string chain, CancellationToken cancellationToken);

    /// <summary>
    /// Index rows that <see cref="FindByShaAsync"/> answers from when they are stored apart from <see cref="ListAsync"/>'s
    /// (Azure's <c>EvidenceBySha</c> table), so that verification cross-checks them too; empty when they are the same rows.
    /// </summary>
    IAsyncEnumerable<EvidenceIndexEntry> ListLookupRowsAsync(string chain, CancellationToken cancellationToken);
}
