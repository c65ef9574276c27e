/// The vault of the hazards pages (see actors/vault.py): a lock held across `await`, released
/// in `finally`.
///
/// `withdraw` refuses while a withdrawal is in flight (the reentrancy guard the IC security
/// guidelines recommend), calls the ledger's `transfer` and debits its balance after the reply.
/// The lock is set in the message execution that makes the call and released in the one that
/// handles the response (or in the cleanup callback if that traps): if the response is never
/// handled, for instance because a snapshot taken before the reply is loaded while the call is
/// outstanding, the lock stays set.
///
/// Like the Python vault, `withdraw` is told which ledger to call: its first argument.
/// The ledger is actors/ledger.py's `Ledger`; `transfer` moves the vault's own tokens (the
/// vault is the caller) to the principal that called `withdraw`.
import Error "mo:core/Error";
import Principal "mo:core/Principal";

persistent actor Vault {

  /// actors/ledger.py's `Ledger`, as Candid sees it.
  type Ledger = actor {
    mint : shared (to : Principal, amount : Nat) -> async Nat;
    transfer : shared (to : Principal, amount : Nat) -> async Nat;
    balance_of : shared query (owner : Principal) -> async Nat;
    total_supply : shared query () -> async Nat;
  };

  var locked : Bool = false;
  var balance : Int = 100;

  /// Sends `amount` to the caller through `ledger`; returns the vault's balance afterwards.
  public shared ({ caller }) func withdraw(ledger : Principal, amount : Nat) : async Int {
    if (locked) {
      throw Error.reject("vault is locked");
    };
    locked := true;
    try {
      let l = actor (Principal.toText(ledger)) : Ledger;
      ignore await l.transfer(caller, amount);
      balance -= amount;
    } finally {
      locked := false;
    };
    balance;
  };

  public query func is_locked() : async Bool {
    locked;
  };
};
