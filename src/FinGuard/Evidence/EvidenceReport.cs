using System.Globalization;
using System.Net;
using System.Text;
using FinGuard.Core.Controls;
using FinGuard.Core.Evidence;
using FinGuard.Core.Results;
using FinGuard.GitHub.Evaluation;
using FinGuard.Processing;

namespace FinGuard.Evidence;

/// <summary>A record as the report shows it: its object name, the SHA-256 of its bytes, the parsed record (null when unreadable) and its input files.</summary>
public sealed record ReportRecord(string Name, string Sha256, EvidenceRecord? Record, IReadOnlyList<string> InputFiles);

/// <summary>
/// <c>report.html</c> of an evidence bundle: one self-contained page an auditor opens in any browser, without tools
/// or network. No script, no external resource (a Content-Security-Policy forbids them), every value HTML-escaped.
/// One section per decision, each starting on a new printed page: subject, verdict, every control with its status
/// and reasons, the details the recomputed decision gives (approvals, commits), scans and freeze state where a
/// control reports them, and the input files with their SHA-256; then the organisation's checkpoints.
/// </summary>
public static class EvidenceReport
{
    private const string Style = """
        body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:2rem;color:#1b1f24;line-height:1.4}
        h1{font-size:1.6rem}h2{font-size:1.25rem;border-bottom:2px solid #d0d7de;padding-bottom:.3rem}h3{font-size:1rem;margin-top:1.2rem}
        table{border-collapse:collapse;margin:.5rem 0;width:100%}th,td{border:1px solid #d0d7de;padding:.3rem .5rem;text-align:left;vertical-align:top}
        th{background:#f6f8fa}dl{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem}dt{font-weight:600}dd{margin:0}
        code{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:.85em;overflow-wrap:break-word}code.hash{word-break:break-all}
        .pass,.recorded{color:#1a7f37}.fail,.error{color:#cf222e}.pending{color:#9a6700}.skipped{color:#57606a}
        .verdict{font-size:1.1rem;font-weight:700}section.record{break-before:page;page-break-before:always;margin-top:2rem}
        ul{margin:.2rem 0;padding-left:1.2rem}
        .banner{border:2px solid #cf222e;background:#ffebe9;padding:.6rem 1rem;margin:1rem 0;font-weight:600}
        """;

    public static string Render(BundleManifest manifest, IReadOnlyList<ReportRecord> records)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        ArgumentNullException.ThrowIfNull(records);
        var decisions = records.Where(r => r.Record is null || !CheckpointRecords.IsCheckpoint(r.Record)).ToList();
        var checkpoints = records.Where(r => r.Record is not null && CheckpointRecords.IsCheckpoint(r.Record)).ToList();
        var html = new StringBuilder();
        html.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
            .Append("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n")
            .Append("<title>FinGuard evidence — ").Append(E(manifest.Repository)).Append("</title>\n<style>").Append(Style).Append("</style>\n</head>\n<body>\n");

        html.Append("<header id=\"summary\">\n<h1>FinGuard evidence report — ").Append(E(manifest.Repository)).Append("</h1>\n<dl>\n");
        Row(html, "Repository", manifest.Repository);
        Row(html, "Time range", $"{(manifest.From is { } f ? Time(f) : "first record")} to {(manifest.To is { } t ? Time(t) + " (exclusive)" : "last record")}");
        Row(html, "Exported at", Time(manifest.ExportedAt));
        Row(html, "Exported from", manifest.Storage == "azure" ? "Azure Blob storage" : "local folder store");
        Row(html, "FinGuard version", manifest.FinGuardVersion);
        Row(html, "Decisions", decisions.Count.ToString(CultureInfo.InvariantCulture));
        Row(html, "Checkpoints", checkpoints.Count.ToString(CultureInfo.InvariantCulture));
        foreach (var chain in manifest.Chains)
        {
            Row(html, $"Chain {chain.Chain}", chain.First is null ? "no records in range" : $"records {chain.First} to {chain.Last}");
        }

        html.Append("</dl>\n");
        var development = decisions.Count(d => d.Record is { } r && !string.Equals(r.Mode, "production", StringComparison.Ordinal));
        if (development > 0)
        {
            html.Append("<p class=\"banner\" id=\"development-mode\">DEVELOPMENT MODE: ").Append(development.ToString(CultureInfo.InvariantCulture))
                .Append(" of ").Append(decisions.Count.ToString(CultureInfo.InvariantCulture))
                .Append(" decisions were recorded with <code>mode: development</code>, on storage FinGuard did not verify as write-once. ")
                .Append("They show what FinGuard decided, but they are not WORM evidence and cannot support an audit.</p>\n");
        }

        html.Append("<p>This report is a reading aid. The records in <code>records/</code> are the evidence; check them with ")
            .Append("<code>finguard evidence verify ").Append(E("<bundle.zip>")).Append("</code> (hashes, chain links, checkpoints) and recompute any decision with ")
            .Append("<code>finguard evidence replay ").Append(E("<record.json>")).Append("</code>.</p>\n");

        if (decisions.Count > 0)
        {
            html.Append("<h2>Decisions</h2>\n<table>\n<tr><th>Record</th><th>Time (UTC)</th><th>Subject</th><th>Head SHA</th><th>Verdict</th><th>Reason code</th></tr>\n");
            foreach (var item in decisions)
            {
                var record = item.Record;
                html.Append("<tr><td><a href=\"#").Append(E(Anchor(item.Name))).Append("\"><code>").Append(Path(item.Name)).Append("</code></a></td><td>")
                    .Append(E(record is null ? "—" : Time(record.Timestamp))).Append("</td><td>").Append(E(record?.Subject.Id ?? "unreadable record"))
                    .Append("</td><td><code class=\"hash\">").Append(E(record?.Subject.HeadSha ?? "")).Append("</code></td><td class=\"").Append(E(record?.Result.Verdict ?? "error")).Append("\">")
                    .Append(E(record?.Result.Verdict.ToUpperInvariant() ?? "UNREADABLE")).Append("</td><td><code>").Append(E(record?.Result.ReasonCode ?? "")).Append("</code></td></tr>\n");
            }

            html.Append("</table>\n");
        }

        RenderLatest(html, decisions);
        html.Append("</header>\n");
        foreach (var item in decisions)
        {
            RenderDecision(html, item);
        }

        if (checkpoints.Count > 0)
        {
            RenderCheckpoints(html, checkpoints);
        }

        html.Append("</body>\n</html>\n");
        return html.ToString();
    }

    /// <summary>One row per subject (pull request, deployment): its latest decision, which is what stands today.</summary>
    private static void RenderLatest(StringBuilder html, List<ReportRecord> decisions)
    {
        var latest = decisions
            .Where(d => d.Record is not null)
            .GroupBy(d => d.Record!.Subject.Id, StringComparer.Ordinal)
            .Select(g => (Latest: g.MaxBy(d => d.Record!.Sequence)!, Count: g.Count()))
            .OrderBy(x => x.Latest.Record!.Subject.Id, StringComparer.Ordinal)
            .ToList();
        if (latest.Count == 0)
        {
            return;
        }

        html.Append("<h2 id=\"latest\">Latest decision per pull request and deployment</h2>\n<table>\n<tr><th>Subject</th><th>Verdict</th><th>Decided at (UTC)</th><th>Head SHA</th><th>Decisions</th><th>Record</th></tr>\n");
        foreach (var (item, count) in latest)
        {
            var record = item.Record!;
            html.Append("<tr><td>").Append(E(record.Subject.Id)).Append("</td><td class=\"").Append(E(record.Result.Verdict)).Append("\">")
                .Append(E(record.Result.Verdict.ToUpperInvariant())).Append("</td><td>").Append(E(Time(record.Timestamp))).Append("</td><td><code class=\"hash\">")
                .Append(E(record.Subject.HeadSha)).Append("</code></td><td>").Append(count.ToString(CultureInfo.InvariantCulture)).Append("</td><td><a href=\"#")
                .Append(E(Anchor(item.Name))).Append("\">").Append(E(record.Sequence.ToString(CultureInfo.InvariantCulture))).Append("</a></td></tr>\n");
        }

        html.Append("</table>\n");
    }

    private static void RenderDecision(StringBuilder html, ReportRecord item)
    {
        html.Append("<section class=\"record\" id=\"").Append(E(Anchor(item.Name))).Append("\">\n");
        if (item.Record is not { } record)
        {
            html.Append("<h2>").Append(E(item.Name)).Append(" — unreadable</h2>\n<p class=\"error\">This object is not a valid evidence record (SHA-256 <code>")
                .Append(E(item.Sha256)).Append("</code>). Run <code>finguard evidence verify</code>.</p>\n</section>\n");
            return;
        }

        html.Append("<h2>Record ").Append(record.Sequence.ToString(CultureInfo.InvariantCulture)).Append(" — ").Append(E(record.Subject.Id))
            .Append(" — <span class=\"").Append(E(record.Result.Verdict)).Append("\">").Append(E(record.Result.Verdict.ToUpperInvariant())).Append("</span></h2>\n");

        html.Append("<h3>Subject</h3>\n<dl>\n");
        Row(html, "Subject", $"{record.Subject.Type} {record.Subject.Id}");
        Row(html, "Repository", record.Subject.Repository);
        if (record.Subject.PullRequest is { } number)
        {
            Row(html, "Pull request", "#" + number.ToString(CultureInfo.InvariantCulture));
        }

        Code(html, "Head SHA", record.Subject.HeadSha);
        if (record.Subject.BaseRef is not null)
        {
            Row(html, "Base branch", record.Subject.BaseRef);
        }

        Row(html, "Decided at (UTC)", Time(record.Timestamp));
        Row(html, "Action", record.Action);
        Row(html, "Triggered by", $"{record.Actor.Type} {record.Actor.Login ?? "(no login)"}{(record.Actor.Id is { } id ? $" (id {id.ToString(CultureInfo.InvariantCulture)})" : "")}");
        Row(html, "Source", record.Source);
        Code(html, "Delivery id", record.DeliveryId);
        Code(html, "Event id", record.EventId);
        Row(html, "Mode", record.Mode);
        Row(html, "FinGuard version", record.FinGuardVersion);
        html.Append("</dl>\n");

        html.Append("<h3>Verdict</h3>\n<p class=\"verdict ").Append(E(record.Result.Verdict)).Append("\">").Append(E(record.Result.Verdict.ToUpperInvariant()))
            .Append(" — ").Append(E(record.Result.Title)).Append("</p>\n<dl>\n");
        Row(html, "Check conclusion", record.Result.Conclusion);
        Code(html, "Reason code", record.Result.ReasonCode);
        Row(html, "Policy", record.Policy.Source);
        if (record.Policy.BlobShas.Count > 0)
        {
            Code(html, "Policy file blob SHAs", string.Join(", ", record.Policy.BlobShas));
        }

        html.Append("</dl>\n");

        html.Append("<h3>Controls</h3>\n<table>\n<tr><th>Control</th><th>Status</th><th>Summary</th><th>Reasons</th></tr>\n");
        foreach (var control in record.Result.Controls)
        {
            html.Append("<tr><td><code>").Append(E(control.Id)).Append("</code></td><td class=\"").Append(E(control.Status)).Append("\">").Append(E(control.Status))
                .Append("</td><td>").Append(Inline(control.Summary)).Append("</td><td>");
            List(html, control.Reasons);
            if (control.Exception is { } exception)
            {
                html.Append("<p class=\"pending\">Passed by exception: ").Append(E(EvidenceReplayComparison.Describe(exception))).Append("</p>");
            }

            html.Append("</td></tr>\n");
        }

        html.Append("</table>\n");
        RenderRecomputed(html, record);
        RenderInputs(html, record, item.InputFiles);

        html.Append("<h3>Integrity</h3>\n<dl>\n");
        Code(html, "Object", item.Name);
        Code(html, "SHA-256", item.Sha256);
        Code(html, "Previous record SHA-256", record.PreviousSha256 ?? "none (first record of the chain)");
        html.Append("</dl>\n</section>\n");
    }

    /// <summary>What the decision recomputed from the record's own inputs shows beyond the stored reasons.</summary>
    private static void RenderRecomputed(StringBuilder html, EvidenceRecord record)
    {
        if (!string.Equals(record.Action, EvidenceRecordFactory.PullRequestAction, StringComparison.Ordinal))
        {
            return;
        }

        PullRequestDecision decision;
        try
        {
            decision = EvidenceReplay.Evaluate(record);
        }
        catch (Exception ex) when (ex is GitHub.Snapshots.GitHubFactsException or InvalidOperationException or KeyNotFoundException or FormatException or System.Text.Json.JsonException)
        {
            html.Append("<p class=\"error\">The decision could not be recomputed from this record's inputs: ").Append(E(ex.Message)).Append("</p>\n");
            return;
        }

        var snapshot = decision.Snapshot;
        var duties = decision.Result.Controls.FirstOrDefault(c => c.Id == SeparationOfDutiesControl.ControlId);
        html.Append("<h3>Approvals</h3>\n");
        if (snapshot.Reviews.IsEmpty)
        {
            html.Append("<p>No reviews.</p>\n");
        }
        else
        {
            html.Append("<table>\n<tr><th>Reviewer</th><th>Review</th><th>On commit</th><th>Submitted (UTC)</th><th>Counted as an approval</th></tr>\n");
            foreach (var review in snapshot.Reviews)
            {
                var detail = duties?.Details.FirstOrDefault(d => string.Equals(d.Subject, review.User.Login, StringComparison.OrdinalIgnoreCase));
                var counted = review.State == "APPROVED" && detail is { Ok: true };
                html.Append("<tr><td>").Append(E(review.User.Login)).Append("</td><td>").Append(E(review.State)).Append("</td><td><code>")
                    .Append(E(review.CommitId ?? "")).Append("</code></td><td>").Append(E(review.SubmittedAt is { } at ? Time(at) : "")).Append("</td><td class=\"")
                    .Append(counted ? "pass" : "fail").Append("\">").Append(counted ? "yes" : "no");
                if (detail is not null)
                {
                    html.Append(" — ").Append(Inline(detail.Message));
                }

                html.Append("</td></tr>\n");
            }

            html.Append("</table>\n");
        }

        html.Append("<h3>Commits</h3>\n<table>\n<tr><th>Commit</th><th>Signature</th><th>Author</th><th>Message</th></tr>\n");
        foreach (var commit in snapshot.Commits)
        {
            html.Append("<tr><td><code>").Append(E(commit.Sha)).Append("</code></td><td class=\"").Append(commit.Verification.Verified ? "pass" : "fail").Append("\">")
                .Append(commit.Verification.Verified ? "verified" : "not verified").Append(" (").Append(E(commit.Verification.Reason)).Append(")</td><td>")
                .Append(E(commit.Author?.Login ?? commit.AuthorName ?? "")).Append("</td><td>").Append(E(commit.Headline)).Append("</td></tr>\n");
        }

        html.Append("</table>\n");

        RenderControlGroup(html, "Security scans", decision.Result.Controls.Where(c => c.Id.Contains("scan", StringComparison.OrdinalIgnoreCase)));
        RenderControlGroup(html, "Change freeze", decision.Result.Controls.Where(c => c.Id.Contains("freeze", StringComparison.OrdinalIgnoreCase)));

        html.Append("<h3>Control details (recomputed from the inputs)</h3>\n");
        foreach (var control in decision.Result.Controls.Where(c => !c.Details.IsEmpty))
        {
            html.Append("<p><code>").Append(E(control.Id)).Append("</code>: ").Append(Inline(control.Summary)).Append("</p>\n<ul>\n");
            foreach (var detail in control.Details)
            {
                // Only a detail that blocks carries a mark; the others are facts, which "ok" would misstate.
                html.Append("<li>").Append(detail.Ok ? "" : "<span class=\"fail\">not ok</span> ").Append("<code>")
                    .Append(E(detail.Subject)).Append("</code> ").Append(Inline(detail.Message)).Append("</li>\n");
            }

            html.Append("</ul>\n");
        }
    }

    private static void RenderControlGroup(StringBuilder html, string title, IEnumerable<ControlResult> controls)
    {
        var list = controls.ToList();
        if (list.Count == 0)
        {
            return;
        }

        html.Append("<h3>").Append(E(title)).Append("</h3>\n");
        foreach (var control in list)
        {
            var status = control.Status.ToString().ToLowerInvariant();
            html.Append("<p><code>").Append(E(control.Id)).Append("</code> <span class=\"").Append(status).Append("\">").Append(status).Append("</span>: ")
                .Append(Inline(control.Summary)).Append("</p>\n");
        }
    }

    private static void RenderInputs(StringBuilder html, EvidenceRecord record, IReadOnlyList<string> files)
    {
        html.Append("<h3>Inputs (GitHub responses and policy files)</h3>\n<table>\n<tr><th>Fact</th><th>Request</th><th>SHA-256</th><th>File in this bundle</th></tr>\n");
        for (var i = 0; i < record.Facts.Count; i++)
        {
            var fact = record.Facts[i];
            html.Append("<tr><td>").Append(E(fact.Name)).Append("</td><td><code>").Append(E(fact.Request)).Append("</code></td><td><code>").Append(E(fact.Sha256))
                .Append("</code></td><td><code>").Append(E(i < files.Count ? files[i] : "")).Append("</code></td></tr>\n");
        }

        html.Append("</table>\n");
    }

    private static void RenderCheckpoints(StringBuilder html, IReadOnlyList<ReportRecord> checkpoints)
    {
        html.Append("<section class=\"record\" id=\"checkpoints\">\n<h2>Daily checkpoints</h2>\n")
            .Append("<p>Each checkpoint is a record of the organisation's checkpoint chain stating, at the end of a UTC day, the last record of every repository chain and its SHA-256.</p>\n")
            .Append("<table>\n<tr><th>Checkpoint</th><th>Day (UTC)</th><th>Written at (UTC)</th><th>Chain</th><th>Record</th><th>SHA-256</th></tr>\n");
        foreach (var item in checkpoints)
        {
            if (!CheckpointRecords.TryRead(item.Record!, out var checkpoint, out var problem))
            {
                html.Append("<tr><td><code>").Append(E(item.Name)).Append("</code></td><td colspan=\"5\" class=\"error\">").Append(E(problem ?? "")).Append("</td></tr>\n");
                continue;
            }

            var day = checkpoint!.Day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
            if (checkpoint.Heads.Count == 0)
            {
                html.Append("<tr><td><code>").Append(E(item.Name)).Append("</code></td><td>").Append(day).Append("</td><td>").Append(E(Time(item.Record!.Timestamp)))
                    .Append("</td><td colspan=\"3\">no chains</td></tr>\n");
            }

            foreach (var head in checkpoint.Heads)
            {
                html.Append("<tr><td><code>").Append(E(item.Name)).Append("</code></td><td>").Append(day).Append("</td><td>").Append(E(Time(item.Record!.Timestamp)))
                    .Append("</td><td>").Append(E(head.Chain)).Append("</td><td>").Append(head.Sequence.ToString(CultureInfo.InvariantCulture))
                    .Append("</td><td><code>").Append(E(head.Sha256)).Append("</code></td></tr>\n");
            }
        }

        html.Append("</table>\n</section>\n");
    }

    private static void Row(StringBuilder html, string term, string value) =>
        html.Append("<dt>").Append(E(term)).Append("</dt><dd>").Append(E(value)).Append("</dd>\n");

    private static void Code(StringBuilder html, string term, string value) =>
        html.Append("<dt>").Append(E(term)).Append("</dt><dd><code class=\"hash\">").Append(E(value)).Append("</code></dd>\n");

    /// <summary>
    /// Text a control wrote for the check run's Markdown, as HTML: escaped, with <c>`inline code`</c> spans shown as
    /// code rather than as literal backticks. Nothing else of Markdown is interpreted.
    /// </summary>
    internal static string Inline(string? text)
    {
        var parts = (text ?? string.Empty).Split('`');
        if (parts.Length < 3)
        {
            return E(text);
        }

        var html = new StringBuilder();
        for (var i = 0; i < parts.Length; i++)
        {
            // Odd parts are inside backticks, unless the last backtick has no partner.
            var inCode = i % 2 == 1 && (i < parts.Length - 1 || parts.Length % 2 == 1);
            if (inCode)
            {
                html.Append("<code>").Append(E(parts[i])).Append("</code>");
            }
            else
            {
                html.Append(i % 2 == 1 ? "`" : "").Append(E(parts[i]));
            }
        }

        return html.ToString();
    }

    /// <summary>An object name that may wrap after each <c>/</c> and nowhere else.</summary>
    private static string Path(string name) => string.Join("/<wbr>", name.Split('/').Select(E));

    private static void List(StringBuilder html, IReadOnlyList<string> items)
    {
        if (items.Count == 0)
        {
            html.Append('—');
            return;
        }

        html.Append("<ul>");
        foreach (var item in items)
        {
            html.Append("<li>").Append(Inline(item)).Append("</li>");
        }

        html.Append("</ul>");
    }

    private static string Anchor(string name) => "r-" + name.Replace('/', '-').Replace(".json", "", StringComparison.Ordinal);

    private static string Time(DateTimeOffset value) => value.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss.fff 'UTC'", CultureInfo.InvariantCulture);

    /// <summary>HTML-escapes text for element content and double-quoted attributes.</summary>
    private static string E(string? value) => WebUtility.HtmlEncode(value ?? string.Empty);
}
