using FinGuard.Core.Controls;

namespace FinGuard.Core.Tests.Controls;

public sealed class GitHubNoreplyAddressTests
{
    [Theory]
    [InlineData("12345+octocat@users.noreply.github.com", 12345L, "octocat")]
    [InlineData("octocat@users.noreply.github.com", null, "octocat")]
    [InlineData("12345+Octo-Cat@USERS.NOREPLY.GITHUB.COM", 12345L, "Octo-Cat")]
    [InlineData("41898282+github-actions[bot]@users.noreply.github.com", 41898282L, "github-actions[bot]")]
    public void Reads_the_account_from_a_noreply_address(string email, long? id, string login)
    {
        Assert.True(GitHubNoreplyAddress.TryParse(email, out var parsedId, out var parsedLogin));
        Assert.Equal(id, parsedId);
        Assert.Equal(login, parsedLogin);
    }

    [Theory]
    [InlineData("octocat@example.com")]
    [InlineData("octocat@noreply.github.com")]
    [InlineData("noreply@github.com")]
    [InlineData("abc+octocat@users.noreply.github.com")]
    [InlineData("+octocat@users.noreply.github.com")]
    [InlineData("12345+@users.noreply.github.com")]
    [InlineData("octo.cat@users.noreply.github.com")]
    [InlineData("@users.noreply.github.com")]
    [InlineData("octocat@users.noreply.github.com.evil.example")]
    public void Rejects_other_addresses(string email)
    {
        Assert.False(GitHubNoreplyAddress.TryParse(email, out var id, out _));
        Assert.Null(id);
    }
}
