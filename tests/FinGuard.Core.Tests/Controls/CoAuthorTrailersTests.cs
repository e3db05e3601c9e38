using FinGuard.Core.Controls;

namespace FinGuard.Core.Tests.Controls;

public sealed class CoAuthorTrailersTests
{
    public static TheoryData<string, string[]> Messages => new()
    {
        { "Fix\n\nCo-authored-by: Jane Roe <jane@example.com>", ["jane@example.com"] },
        { "Fix\r\n\r\nCO-AUTHORED-BY: Jane Roe <jane@example.com>\r\n", ["jane@example.com"] },
        { "Fix\n\nco-authored-by : Jane <jane@example.com>", ["jane@example.com"] },
        { "Fix\n\nCo-authored-by: A <a@x.example>\nSigned-off-by: B <b@x.example>\nCo-authored-by: C <c@x.example>\n\n", ["a@x.example", "c@x.example"] },
        { "Fix\n\nBody text.\n\nCo-authored-by: A <a@x.example>", ["a@x.example"] },
        { "Fix\n\nPaired on this.\nCo-authored-by: A <a@x.example>", ["a@x.example"] },
        { "Fix\n\nCo-authored-by: A <a@x.example>\n\nThe last paragraph is prose.", [] },
        { "Fix\n\nOne.\nTwo.\nThree.\nFour.\nCo-authored-by: A <a@x.example>", [] },
        { "Fix\n\nCo-authored-by: A\n  Long-Name <a@x.example>", ["a@x.example"] },
        { "Fix\n\nCo-authored-by: a@x.example", ["a@x.example"] },
        { "Fix\n\nCo-authored-by: Jane Roe", [null!] },
        { "Co-authored-by: A <a@x.example>", ["a@x.example"] },
        { "Fix\n\nCo-authored-by-bot: A <a@x.example>", [] },
        { "Fix", [] },
        { "", [] },
    };

    [Theory]
    [MemberData(nameof(Messages))]
    public void Finds_co_authors_in_the_trailer_block(string message, string[] emails)
    {
        Assert.Equal(emails, CoAuthorTrailers.Parse(message).Select(c => c.Email).ToArray());
    }

    [Fact]
    public void Keeps_the_name_and_the_trailer_as_written_for_display()
    {
        var coAuthor = Assert.Single(CoAuthorTrailers.Parse("Fix\n\nco-authored-by:   Jane Roe   <jane@example.com>  "));

        Assert.Equal("Jane Roe", coAuthor.Name);
        Assert.Equal("jane@example.com", coAuthor.Email);
        Assert.Equal("Co-authored-by: Jane Roe   <jane@example.com>", coAuthor.Trailer);
    }
}
