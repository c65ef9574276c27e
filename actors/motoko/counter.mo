/// A tiny canister for runtime tests: a counter, a method that never ends and one that traps.
import Runtime "mo:core/Runtime";

persistent actor Counter {

  var n : Nat = 0;

  public func inc() : async Nat {
    n += 1;
    n;
  };

  public query func get() : async Nat {
    n;
  };

  /// Loops forever (until the instruction limit stops it). Not called `loop`: that is a Motoko
  /// keyword, and the escaped name `loop_` would be exported as `canister_update loop_` while
  /// the Candid interface says `loop`.
  public func loop_forever() : async () {
    loop {};
  };

  /// Traps with the message "boom".
  public func boom() : async () {
    Runtime.trap("boom");
  };
};
