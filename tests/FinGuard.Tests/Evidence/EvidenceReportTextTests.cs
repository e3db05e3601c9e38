using FinGuard.Evidence;

namespace FinGuard.Tests.Evidence;

/// <summary>How the report turns a control's Markdown-flavoured text into HTML: code spans only, everything escaped.</summary>
public sealed class EvidenceReportTextTests
{
    [Theory]
    [InlineData("plain text", "plain text")]
    [InlineData("Not verified: `unsigned` — no signature", "Not verified: <code>unsigned</code> — no signature")]
    [InlineData("`a` and `b`", "<code>a</code> and <code>b</code>")]
    [InlineData("one ` unmatched", "one ` unmatched")]
    [InlineData("`a` then ` unmatched", "<code>a</code> then ` unmatched")]
    [InlineData("`<script>` & <b>", "<code>&lt;script&gt;</code> &amp; &lt;b&gt;")]
    public void Code_spans_become_code_and_everything_else_is_escaped(string text, string html) =>
        Assert.Equal(html, EvidenceReport.Inline(text));
}
