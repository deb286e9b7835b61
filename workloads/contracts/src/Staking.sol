// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import "./Interfaces.sol";

/// @title Staking: Synthetix-style staking rewards with a reward-per-token accumulator.
/// @notice Rewards accrue at `rewardRate` reward-token units per second, shared pro rata
/// among stakers, for as long as anything is staked (no period end). They are paid from
/// the rewardToken balance the deployer pre-funded (e.g. Token.mint(staking, amount));
/// `claim` reverts with RewardsUnderfunded if that balance is too small.
/// Invariant: sum over users of stakedOf == totalStaked == stakeToken.balanceOf(this)
/// (the latter minus the reward funding if stakeToken == rewardToken; `>=` after donations).
contract Staking {
    IERC20 public immutable stakeToken;
    IERC20 public immutable rewardToken;
    uint256 public immutable rewardRate;

    uint256 public totalStaked;
    uint256 public rewardPerTokenStored;
    uint256 public lastUpdateTime;

    mapping(address => uint256) public stakedOf;
    mapping(address => uint256) public userRewardPerTokenPaid;
    mapping(address => uint256) public rewards;

    event Staked(address indexed user, uint256 amount);
    event Unstaked(address indexed user, uint256 amount);
    event RewardPaid(address indexed user, uint256 reward);

    error ZeroAmount();
    error InsufficientStake();
    error RewardsUnderfunded();
    error TransferFailed();

    constructor(address stakeToken_, address rewardToken_, uint256 rewardRatePerSecond) {
        stakeToken = IERC20(stakeToken_);
        rewardToken = IERC20(rewardToken_);
        rewardRate = rewardRatePerSecond;
        lastUpdateTime = block.timestamp;
    }

    modifier updateReward(address user) {
        uint256 rpt = rewardPerToken();
        rewardPerTokenStored = rpt;
        lastUpdateTime = block.timestamp;
        rewards[user] = _earned(user, rpt);
        userRewardPerTokenPaid[user] = rpt;
        _;
    }

    function rewardPerToken() public view returns (uint256) {
        uint256 staked = totalStaked;
        if (staked == 0) return rewardPerTokenStored;
        return rewardPerTokenStored + ((block.timestamp - lastUpdateTime) * rewardRate * 1e18) / staked;
    }

    function earned(address user) external view returns (uint256) {
        return _earned(user, rewardPerToken());
    }

    function _earned(address user, uint256 rpt) private view returns (uint256) {
        return (stakedOf[user] * (rpt - userRewardPerTokenPaid[user])) / 1e18 + rewards[user];
    }

    function stake(uint256 amount) external updateReward(msg.sender) {
        if (amount == 0) revert ZeroAmount();
        totalStaked += amount;
        stakedOf[msg.sender] += amount;
        if (!stakeToken.transferFrom(msg.sender, address(this), amount)) revert TransferFailed();
        emit Staked(msg.sender, amount);
    }

    function unstake(uint256 amount) external updateReward(msg.sender) {
        if (amount == 0) revert ZeroAmount();
        uint256 staked = stakedOf[msg.sender];
        if (staked < amount) revert InsufficientStake();
        unchecked {
            stakedOf[msg.sender] = staked - amount;
            totalStaked -= amount;
        }
        if (!stakeToken.transfer(msg.sender, amount)) revert TransferFailed();
        emit Unstaked(msg.sender, amount);
    }

    function claim() external updateReward(msg.sender) returns (uint256 reward) {
        reward = rewards[msg.sender];
        if (reward == 0) return 0; // like Synthetix: claiming nothing is not an error
        uint256 available = rewardToken.balanceOf(address(this));
        if (address(rewardToken) == address(stakeToken)) available -= totalStaked;
        if (available < reward) revert RewardsUnderfunded();
        rewards[msg.sender] = 0;
        if (!rewardToken.transfer(msg.sender, reward)) revert TransferFailed();
        emit RewardPaid(msg.sender, reward);
    }
}
