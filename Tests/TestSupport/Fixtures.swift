// Configuration and events that several test files write the same way, written once.

/// Catalog, customers and event texts shared by more than one test file.
public enum Fixtures {
    /// One customer, `c1`, on plan `basic` from 2026-01-01 (the block style the end-to-end
    /// tests write).
    public static let customerOnBasic = """
        customers:
          c1:
            subscriptions:
              - { plan: basic, start: 2026-01-01 }
        """

    /// One customer, `c1`, on plan `pro` from 2026-01-01 (flow style), for
    /// `groupedTokensCatalog`.
    public static let customerOnPro = """
        customers:
          c1:
            subscriptions: [{ plan: pro, start: 2026-01-01 }]
        """

    /// Plan `pro` with one charge: summed `tokens` at 1 USD each, grouped by dimension `m`
    /// (the overflow tests sum quantities past `Int128` in one group).
    public static let groupedTokensCatalog = """
        version: 1
        currency: USD
        meters:
          tokens: { aggregation: sum }
        plans:
          pro:
            charges:
              - { key: tokens, meter: tokens, model: per_unit, unit_price: "1", group_by: [m] }
        """

    /// One `calls` event of customer `c1` on 2026-10-05 10:00 UTC with id `id`, and a
    /// `quantity` (as a JSON string) when one is given.
    public static func callEvent(_ id: String, quantity: String? = nil) -> String {
        let tail = quantity.map { #","quantity":"\#($0)""# } ?? ""
        return #"{"id":"\#(id)","customer":"c1","meter":"calls","#
            + #""ts":"2026-10-05T10:00:00Z"\#(tail)}"#
    }
}
