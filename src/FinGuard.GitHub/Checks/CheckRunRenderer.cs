using System.Text;
using FinGuard.Core.Results;

namespace FinGuard.GitHub.Checks;

/// <summary>What a check run shows: title, Markdown summary and details text.</summary>
public sealed record CheckRunOutput(string Title, string Summary, string Text);

/// <summary>
/// Renders an evaluation result as the check run a developer reads: a table of controls (status, why, how to
/// fix) and a details section per control listing every commit or reviewer considered. Respects GitHub's
/// 65,535-character limit per field and says so when it truncates.
/// </summary>
public static class CheckRunRenderer
{
    public const int MaxFieldLength = 65_535;
    public const string CheckName = "FinGuard";

    public static CheckRunOutput Render(EvaluationResult result, string? evidenceReference)
    {
        ArgumentNullException.ThrowIfNull(result);
        var summary = new StringBuilder();
        summary.AppendLine(Headline(result));
        summary.AppendLine();
        summary.AppendLine("| Control | Status | Why | How to fix |");
        summary.AppendLine("|---|---|---|---|");
        foreach (var control in result.Controls)
        {
            summary.Append("| ").Append(Cell(control.Name)).Append(" (`").Append(control.Id).Append("`) | ")
                .Append(StatusBadge(control.Status)).Append(" | ")
                .Append(Cell(control.Summary)).Append(" | ")
                .Append(Cell(control.HowToFix ?? "—")).AppendLine(" |");
        }

        if (evidenceReference is not null)
        {
            summary.AppendLine();
            summary.Append("Evidence: `").Append(evidenceReference).AppendLine("`");
        }

        var text = new StringBuilder();
        foreach (var control in result.Controls)
        {
            text.Append("### ").Append(StatusBadge(control.Status)).Append(' ').AppendLine(control.Name);
            text.AppendLine(control.Summary);
            if (control.Details.Length > 0)
            {
                text.AppendLine();
                foreach (var detail in control.Details)
                {
                    // A detail that does not block is a fact ("alice cannot approve: authored 1a2b3c4"), not a pass:
                    // ✅ beside it would read as praise for a negative statement, so only problems carry a mark.
                    text.Append("- ").Append(detail.Ok ? "" : "❌ ").Append('`').Append(detail.Subject).Append("` ").AppendLine(detail.Message);
                }
            }

            if (control.HowToFix is not null)
            {
                text.AppendLine().AppendLine("**How to fix**").AppendLine().AppendLine(control.HowToFix);
            }

            text.AppendLine();
        }

        return new CheckRunOutput(result.Title, Truncate(summary.ToString()), Truncate(text.ToString()));
    }

    private static string Headline(EvaluationResult result) => result.Conclusion switch
    {
        Conclusion.Success when result.Controls.All(c => c.Status == ControlStatus.Skipped) =>
            "➖ No FinGuard control applies to this pull request's base branch.",
        Conclusion.Success => "✅ This pull request meets the change-management policy.",
        Conclusion.ActionRequired => "⏳ This pull request is waiting for something (approvals, scans). Nothing is wrong yet; the check updates when it arrives.",
        _ => "❌ This pull request does not meet the change-management policy yet. Each failing control says what is wrong and how to fix it.",
    };

    public static string StatusBadge(ControlStatus status) => status switch
    {
        ControlStatus.Pass => "✅ pass",
        ControlStatus.Fail => "❌ fail",
        ControlStatus.Pending => "⏳ pending",
        ControlStatus.Error => "⚠️ error",
        _ => "➖ skipped",
    };

    public static string ConclusionName(Conclusion conclusion) => conclusion switch
    {
        Conclusion.Success => "success",
        Conclusion.Failure => "failure",
        Conclusion.ActionRequired => "action_required",
        _ => "neutral",
    };

    private static string Cell(string value) => value.Replace("|", "\\|", StringComparison.Ordinal).Replace("\n", "<br>", StringComparison.Ordinal);

    private static string Truncate(string value)
    {
        if (value.Length <= MaxFieldLength)
        {
            return value;
        }

        const string notice = "\n\n… truncated: GitHub limits this field to 65,535 characters. The full result is in the evidence record.";
        return string.Concat(value.AsSpan(0, MaxFieldLength - notice.Length), notice);
    }
}
