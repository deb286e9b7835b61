// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import "./Interfaces.sol";

/// @title LendingPool: one borrowable asset, one collateral token, a global borrow index.
/// @notice Depositors lend `asset` (no interest is paid to them: interest stays in the pool
/// as reserves). Borrowers post `collateral` (valued 1:1 with the asset) and may borrow up
/// to 50% of it. Debt is stored per user as scaled debt and grows with a global borrow
/// index (ray, 1e27) accrued per second at a utilization-based rate.
///
/// Shared hotspot: every mutating function accrues (like the public `accrue()`): it reads
/// and always writes the single `market` slot (borrow index, rate per second, last accrual
/// time). The index only moves when the timestamp advanced; the rate is recomputed from
/// utilization on every call, as Aave does, so every operation writes the slot.
///
/// Invariants (checkable from views, exact, assuming nobody donates tokens directly):
///   asset.balanceOf(pool)      == totalDeposits - totalBorrowed + totalRepaid
///   collateral.balanceOf(pool) == totalCollateral
///   sum over users of depositOf == totalDeposits; of collateralOf == totalCollateral
/// Solvency (up to 1 wei of rounding per borrower):
///   asset.balanceOf(pool) + totalBorrowsCurrent() >= totalDeposits
/// Donations can only make the `==` invariants `>=`.
contract LendingPool {
    uint256 public constant RAY = 1e27;
    /// Max loan-to-value: debt * 2 <= collateral.
    uint256 public constant LTV_PERCENT = 50;
    /// Borrow rate = 2% APR + 20% APR * utilization, in ray per second.
    uint256 public constant BASE_RATE_PER_SECOND = 0.02e27 / uint256(365 days);
    uint256 public constant SLOPE_RATE_PER_SECOND = 0.2e27 / uint256(365 days);

    IERC20 public immutable asset;
    IERC20 public immutable collateral;

    struct Market {
        uint128 borrowIndex; // ray
        uint88 ratePerSecond; // ray
        uint40 lastAccrual; // block timestamp
    }

    Market public market;

    uint256 public totalDeposits;
    uint256 public totalCollateral;
    /// Sum of per-user scaled debt (debt / borrowIndex, in ray units).
    uint256 public totalScaledDebt;
    /// Cumulative asset amount lent out and repaid (for the exact balance invariant).
    uint256 public totalBorrowed;
    uint256 public totalRepaid;

    mapping(address => uint256) public depositOf;
    mapping(address => uint256) public collateralOf;
    mapping(address => uint256) public scaledDebtOf;

    event Accrued(uint256 borrowIndex, uint256 ratePerSecond);
    event Deposit(address indexed user, uint256 amount);
    event Withdraw(address indexed user, uint256 amount);
    event DepositCollateral(address indexed user, uint256 amount);
    event WithdrawCollateral(address indexed user, uint256 amount);
    event Borrow(address indexed user, uint256 amount);
    event Repay(address indexed user, uint256 amount);

    error ZeroAmount();
    error InsufficientDeposit();
    error InsufficientCollateral();
    error InsufficientLiquidity();
    error ExceedsLtv();
    error NoDebt();
    error TransferFailed();

    constructor(address asset_, address collateral_) {
        asset = IERC20(asset_);
        collateral = IERC20(collateral_);
        market = Market({
            borrowIndex: uint128(RAY),
            ratePerSecond: uint88(BASE_RATE_PER_SECOND),
            lastAccrual: uint40(block.timestamp)
        });
    }

    // ---------------------------------------------------------------- views

    /// Borrow index as it would be after accrue() now.
    function borrowIndexCurrent() public view returns (uint256) {
        Market memory m = market;
        uint256 elapsed = block.timestamp - m.lastAccrual;
        if (elapsed == 0) return m.borrowIndex;
        return (uint256(m.borrowIndex) * (RAY + uint256(m.ratePerSecond) * elapsed)) / RAY;
    }

    function totalBorrowsCurrent() public view returns (uint256) {
        return (totalScaledDebt * borrowIndexCurrent()) / RAY;
    }

    function debtOf(address user) public view returns (uint256) {
        return (scaledDebtOf[user] * borrowIndexCurrent()) / RAY;
    }

    /// Asset available to withdraw or borrow.
    function cash() public view returns (uint256) {
        return asset.balanceOf(address(this));
    }

    // ---------------------------------------------------------------- accrual

    /// Accrues interest into the borrow index and refreshes the rate; writes `market`.
    /// Every mutating function does the same: it computes the current index first, applies
    /// its change, then stores index + new rate + timestamp in one SSTORE (`_store`).
    function accrue() external returns (uint256 index) {
        index = borrowIndexCurrent();
        _store(index);
    }

    /// Recomputes the rate from utilization after the operation and stores the slot.
    function _store(uint256 index) private {
        uint256 deposits = totalDeposits;
        uint256 borrows = (totalScaledDebt * index) / RAY;
        uint256 rate = BASE_RATE_PER_SECOND;
        if (deposits != 0) {
            uint256 utilization = borrows >= deposits ? RAY : (borrows * RAY) / deposits;
            rate += (SLOPE_RATE_PER_SECOND * utilization) / RAY;
        }
        market = Market({
            borrowIndex: uint128(index),
            ratePerSecond: uint88(rate),
            lastAccrual: uint40(block.timestamp)
        });
        emit Accrued(index, rate);
    }

    // ---------------------------------------------------------------- lenders

    function deposit(uint256 amount) external {
        if (amount == 0) revert ZeroAmount();
        uint256 index = borrowIndexCurrent();
        depositOf[msg.sender] += amount;
        totalDeposits += amount;
        _store(index);
        if (!asset.transferFrom(msg.sender, address(this), amount)) revert TransferFailed();
        emit Deposit(msg.sender, amount);
    }

    function withdraw(uint256 amount) external {
        if (amount == 0) revert ZeroAmount();
        uint256 index = borrowIndexCurrent();
        uint256 balance = depositOf[msg.sender];
        if (balance < amount) revert InsufficientDeposit();
        if (asset.balanceOf(address(this)) < amount) revert InsufficientLiquidity();
        unchecked {
            depositOf[msg.sender] = balance - amount;
            totalDeposits -= amount;
        }
        _store(index);
        if (!asset.transfer(msg.sender, amount)) revert TransferFailed();
        emit Withdraw(msg.sender, amount);
    }

    // ---------------------------------------------------------------- borrowers

    function depositCollateral(uint256 amount) external {
        if (amount == 0) revert ZeroAmount();
        uint256 index = borrowIndexCurrent();
        collateralOf[msg.sender] += amount;
        totalCollateral += amount;
        _store(index);
        if (!collateral.transferFrom(msg.sender, address(this), amount)) revert TransferFailed();
        emit DepositCollateral(msg.sender, amount);
    }

    function withdrawCollateral(uint256 amount) external {
        if (amount == 0) revert ZeroAmount();
        uint256 index = borrowIndexCurrent();
        uint256 balance = collateralOf[msg.sender];
        if (balance < amount) revert InsufficientCollateral();
        uint256 remaining = balance - amount;
        uint256 debt = (scaledDebtOf[msg.sender] * index) / RAY;
        if (debt * 100 > remaining * LTV_PERCENT) revert ExceedsLtv();
        collateralOf[msg.sender] = remaining;
        unchecked {
            totalCollateral -= amount;
        }
        _store(index);
        if (!collateral.transfer(msg.sender, amount)) revert TransferFailed();
        emit WithdrawCollateral(msg.sender, amount);
    }

    function borrow(uint256 amount) external {
        if (amount == 0) revert ZeroAmount();
        uint256 index = borrowIndexCurrent();
        if (asset.balanceOf(address(this)) < amount) revert InsufficientLiquidity();
        // Round the added scaled debt up, in favour of the pool.
        uint256 scaled = (amount * RAY + index - 1) / index;
        uint256 newScaled = scaledDebtOf[msg.sender] + scaled;
        uint256 debt = (newScaled * index) / RAY;
        if (debt * 100 > collateralOf[msg.sender] * LTV_PERCENT) revert ExceedsLtv();
        scaledDebtOf[msg.sender] = newScaled;
        totalScaledDebt += scaled;
        totalBorrowed += amount;
        _store(index);
        if (!asset.transfer(msg.sender, amount)) revert TransferFailed();
        emit Borrow(msg.sender, amount);
    }

    /// Repays up to `amount` (capped at the current debt; type(uint256).max repays all).
    function repay(uint256 amount) external returns (uint256 repaid) {
        if (amount == 0) revert ZeroAmount();
        uint256 index = borrowIndexCurrent();
        uint256 scaled = scaledDebtOf[msg.sender];
        if (scaled == 0) revert NoDebt();
        uint256 debt = (scaled * index) / RAY;
        uint256 scaledRepaid;
        if (amount >= debt) {
            repaid = debt;
            scaledRepaid = scaled;
        } else {
            repaid = amount;
            // Round the removed scaled debt down, in favour of the pool.
            scaledRepaid = (amount * RAY) / index;
        }
        scaledDebtOf[msg.sender] = scaled - scaledRepaid;
        totalScaledDebt -= scaledRepaid;
        totalRepaid += repaid;
        _store(index);
        if (repaid != 0 && !asset.transferFrom(msg.sender, address(this), repaid)) revert TransferFailed();
        emit Repay(msg.sender, repaid);
    }
}
