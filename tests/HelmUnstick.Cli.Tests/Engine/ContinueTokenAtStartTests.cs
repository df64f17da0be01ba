using System.Buffers;

namespace HelmUnstick.Cli.Tests.Engine;

/// <summary>
/// A metadata list asks for its next page as soon as the start of the current one names the continue token, so
/// the server builds the next page while this one is decoded. Reading that start must never guess: it decides only
/// once the bytes it has say so, and a list that puts its items first is left to the whole page.
/// </summary>
public sealed class ContinueTokenAtStartTests
{
    private const string ApiServerPage =
        """{"kind":"PartialObjectMetadataList","apiVersion":"meta.k8s.io/v1","metadata":{"resourceVersion":"1207","continue":"eyJ2IjoibWV0YS5rOHMuaW8vdjEifQ","remainingItemCount":2},"items":[{"kind":"PartialObjectMetadata","metadata":{"name":"sh.helm.release.v1.web.v1"}}]}""";

    [Fact]
    public void EveryCutOfAnApiServerPage_EitherWaitsForMore_OrNamesItsToken()
    {
        var decisions = Enumerable.Range(0, ApiServerPage.Length + 1)
            .Select(length => At(ApiServerPage[..length], isWhole: false))
            .Distinct()
            .ToList();

        Assert.Equal([(false, null), (true, "eyJ2IjoibWV0YS5rOHMuaW8vdjEifQ")], decisions);
    }

    [Fact]
    public void TheTokenIsKnown_BeforeAnyItemHasArrived()
    {
        var beforeItems = ApiServerPage[..ApiServerPage.IndexOf("\"items\"", StringComparison.Ordinal)];

        Assert.Equal((true, "eyJ2IjoibWV0YS5rOHMuaW8vdjEifQ"), At(beforeItems, isWhole: false));
    }

    [Fact]
    public void TheLastPage_HasNoToken()
    {
        Assert.Equal(
            (true, null),
            At("""{"kind":"PartialObjectMetadataList","metadata":{"resourceVersion":"1207"},"items":[]}""", isWhole: false));
    }

    [Fact]
    public void AnEmptyToken_IsNoToken()
    {
        Assert.Equal((true, null), At("""{"metadata":{"continue":""},"items":[]}""", isWhole: true));
    }

    [Fact]
    public void ItemsBeforeTheMetadata_LeaveTheTokenToTheWholePage()
    {
        Assert.Equal((true, null), At("""{"items":[],"metadata":{"continue":"abc"}}""", isWhole: false));
    }

    [Fact]
    public void ABodyThatIsNotJson_IsDecidedWithoutAToken_ForTheWholePageToReport()
    {
        Assert.Equal(
            [(true, null), (true, null)],
            new[] { At("""{"kind":"List","metadata":{"resourceVersion":""", isWhole: true), At("{]", isWhole: false) });
    }

    private static (bool Decided, string? Token) At(string start, bool isWhole) =>
        KubeReleaseStore.ContinueTokenAtStart(new ReadOnlySequence<byte>(Encoding.UTF8.GetBytes(start)), isWhole);
}
