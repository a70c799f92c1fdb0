/// QuickBooks account types: their classification and default detail type, and the accounts a
/// new US QuickBooks Online company starts with.
enum AccountCatalog {
    struct Kind {
        let type: String
        let classification: String
        let defaultSubType: String
    }

    static let kinds: [Kind] = [
        Kind(type: "Bank", classification: "Asset", defaultSubType: "Checking"),
        Kind(type: "Accounts Receivable", classification: "Asset", defaultSubType: "AccountsReceivable"),
        Kind(type: "Other Current Asset", classification: "Asset", defaultSubType: "OtherCurrentAssets"),
        Kind(type: "Fixed Asset", classification: "Asset", defaultSubType: "MachineryAndEquipment"),
        Kind(type: "Other Asset", classification: "Asset", defaultSubType: "OtherLongTermAssets"),
        Kind(type: "Accounts Payable", classification: "Liability", defaultSubType: "AccountsPayable"),
        Kind(type: "Credit Card", classification: "Liability", defaultSubType: "CreditCard"),
        Kind(type: "Other Current Liability", classification: "Liability", defaultSubType: "OtherCurrentLiabilities"),
        Kind(type: "Long Term Liability", classification: "Liability", defaultSubType: "OtherLongTermLiabilities"),
        Kind(type: "Equity", classification: "Equity", defaultSubType: "OwnersEquity"),
        Kind(type: "Income", classification: "Revenue", defaultSubType: "ServiceFeeIncome"),
        Kind(type: "Other Income", classification: "Revenue", defaultSubType: "OtherMiscellaneousIncome"),
        Kind(type: "Cost of Goods Sold", classification: "Expense", defaultSubType: "SuppliesMaterialsCogs"),
        Kind(type: "Expense", classification: "Expense", defaultSubType: "OtherMiscellaneousServiceCost"),
        Kind(type: "Other Expense", classification: "Expense", defaultSubType: "OtherMiscellaneousExpense"),
    ]

    /// Detail types the sandbox knows, to infer AccountType when only AccountSubType is sent.
    static let subTypeOwners: [String: String] = [
        "Checking": "Bank", "Savings": "Bank", "CashOnHand": "Bank", "MoneyMarket": "Bank",
        "AccountsReceivable": "Accounts Receivable",
        "UndepositedFunds": "Other Current Asset", "OtherCurrentAssets": "Other Current Asset",
        "Inventory": "Other Current Asset",
        "AccountsPayable": "Accounts Payable", "CreditCard": "Credit Card",
        "OpeningBalanceEquity": "Equity", "RetainedEarnings": "Equity", "OwnersEquity": "Equity",
        "ServiceFeeIncome": "Income", "SalesOfProductIncome": "Income", "OtherPrimaryIncome": "Income",
        "DiscountsRefundsGiven": "Income", "UnappliedCashPaymentIncome": "Income",
        "OtherMiscellaneousIncome": "Other Income",
        "SuppliesMaterialsCogs": "Cost of Goods Sold",
        "BankCharges": "Expense", "OtherMiscellaneousServiceCost": "Expense",
        "OfficeGeneralAdministrativeExpenses": "Expense", "AdvertisingPromotional": "Expense",
        "OtherMiscellaneousExpense": "Other Expense",
    ]

    static func kind(forType type: String) -> Kind? {
        let lowered = type.lowercased()
        return kinds.first { $0.type.lowercased() == lowered }
    }

    /// The seeded chart of accounts: name, type, detail type. Order fixes their Ids (1, 2, …).
    static let standardAccounts: [(name: String, type: String, subType: String)] = [
        ("Checking", "Bank", "Checking"),
        ("Accounts Receivable (A/R)", "Accounts Receivable", "AccountsReceivable"),
        ("Undeposited Funds", "Other Current Asset", "UndepositedFunds"),
        ("Uncategorized Asset", "Other Current Asset", "OtherCurrentAssets"),
        ("Inventory Asset", "Other Current Asset", "Inventory"),
        ("Accounts Payable (A/P)", "Accounts Payable", "AccountsPayable"),
        ("Opening Balance Equity", "Equity", "OpeningBalanceEquity"),
        ("Retained Earnings", "Equity", "RetainedEarnings"),
        ("Services", "Income", "ServiceFeeIncome"),
        ("Sales of Product Income", "Income", "SalesOfProductIncome"),
        ("Uncategorized Income", "Income", "ServiceFeeIncome"),
        ("Billable Expense Income", "Income", "OtherPrimaryIncome"),
        ("Discounts given", "Income", "DiscountsRefundsGiven"),
        ("Cost of Goods Sold", "Cost of Goods Sold", "SuppliesMaterialsCogs"),
        ("Bank Charges & Fees", "Expense", "BankCharges"),
        ("Uncategorized Expense", "Expense", "OtherMiscellaneousServiceCost"),
        ("Office Supplies & Software", "Expense", "OfficeGeneralAdministrativeExpenses"),
    ]

    /// Service items every new company has, tied to the "Services" income account.
    static let standardItems: [String] = ["Services", "Hours"]
}
