using k8s;

namespace HelmUnstick.Sandbox.Tests;

public sealed class ListPagingTests
{
    [Fact]
    public async Task PagingOneByOne_AcrossNamespacesThatArePrefixesOfEachOther_ServesEveryItemOnceInKeyOrder()
    {
        // "team-b/..." sorts before "team/..." as text, but after it in the store's (namespace, name) order: a
        // continue position compared as text would skip team-b.
        await using var sandbox = await RunningSandbox.StartAsync();
        sandbox.Seed("team", "a");
        sandbox.Seed("team", "b");
        sandbox.Seed("team-b", "c");
        sandbox.Seed("teams", "d");

        var served = new List<string>();
        string? continueToken = null;
        do
        {
            var page = await sandbox.Client.CoreV1.ListSecretForAllNamespacesAsync(limit: 1, continueParameter: continueToken);
            served.AddRange(page.Items.Select(s => $"{s.Metadata.NamespaceProperty}/{s.Metadata.Name}"));
            continueToken = page.Metadata.ContinueProperty;
        }
        while (!string.IsNullOrEmpty(continueToken));

        Assert.Equal(["team/a", "team/b", "team-b/c", "teams/d"], served);
    }
}
